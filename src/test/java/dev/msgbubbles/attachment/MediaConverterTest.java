package dev.msgbubbles.attachment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ffmpeg runs of {@link MediaConverter}, with a stand-in ffmpeg: how they end when ffmpeg does not; and with the
 * real ffmpeg where its own refusal is the point.
 */
class MediaConverterTest {
    @TempDir
    Path dir;

    /** An executable shell script standing in for ffmpeg. */
    private Path script(String body) throws IOException {
        Path script = dir.resolve("fake-ffmpeg");
        Files.writeString(script, "#!/bin/sh\n" + body + "\n", StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwx------"));
        return script;
    }

    @Test
    @Timeout(20)
    void an_ffmpeg_that_hangs_with_its_output_open_is_stopped_at_the_timeout() throws IOException {
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        String sha = blobs.put(new ByteArrayInputStream("not really audio".getBytes(StandardCharsets.UTF_8)), 1_000).sha256();
        // writes a line, then hangs holding its output open (as an ffmpeg stuck on its input does)
        MediaConverter converter = new MediaConverter(script("echo converting; exec sleep 60").toString(), blobs,
                Duration.ofSeconds(1));

        long started = System.nanoTime();
        assertThatThrownBy(() -> converter.convert(sha, MediaConverter.Target.WHATSAPP_VOICE, 1_000))
                .isInstanceOf(MediaConverter.Failure.class).hasMessageContaining("took longer than");

        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
        try (var scratch = Files.list(blobs.scratch())) {
            assertThat(scratch.toList()).as("no scratch file left").isEmpty();
        }
    }

    @Test
    @Timeout(20)
    void the_timeout_bounds_a_whole_conversion_not_each_of_its_runs() throws IOException {
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        String sha = blobs.put(new ByteArrayInputStream("an image, say".getBytes(StandardCharsets.UTF_8)), 1_000).sha256();
        // every run takes 0.5 s and makes a JPEG too large for MMS: the conversion tries each of its 7 widths
        MediaConverter converter = new MediaConverter(script("for a; do out=\"$a\"; done; sleep 0.5; "
                + "head -c 10000 /dev/zero > \"$out\"").toString(), blobs, Duration.ofMillis(1_200));

        long started = System.nanoTime();
        assertThatThrownBy(() -> converter.convert(sha, MediaConverter.Target.MMS_IMAGE, 100))
                .isInstanceOf(MediaConverter.Failure.class).hasMessageContaining("took longer than");

        // a send job holds its lease for the whole conversion: the budget is the whole of it, not 7 times it
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofMillis(2_500));
    }

    @Test
    void the_budget_leaves_the_send_job_half_its_lease() {
        assertThat(MediaConverter.budget(Duration.ofSeconds(60))).isEqualTo(Duration.ofSeconds(30));
        assertThat(MediaConverter.budget(Duration.ofMinutes(10))).isEqualTo(MediaConverter.TIMEOUT);
    }

    @Test
    @Timeout(20)
    void a_failing_ffmpeg_is_a_failure_naming_its_first_line() throws IOException {
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        String sha = blobs.put(new ByteArrayInputStream("not really audio".getBytes(StandardCharsets.UTF_8)), 1_000).sha256();
        MediaConverter converter = new MediaConverter(script("echo 'Invalid data found when processing input' >&2; exit 1")
                .toString(), blobs, Duration.ofSeconds(5));

        assertThatThrownBy(() -> converter.convert(sha, MediaConverter.Target.IMESSAGE_VOICE, 1_000))
                .isInstanceOf(MediaConverter.Failure.class)
                .hasMessage("ffmpeg could not convert the file: Invalid data found when processing input");
        try (var scratch = Files.list(blobs.scratch())) {
            assertThat(scratch.toList()).as("no scratch file left").isEmpty();
        }
    }

    /**
     * ffmpeg's first line names the file it read (the blob's path in the data directory) or a decoder's address in
     * memory; it becomes the message's error, in the API and in webhook events: neither is the client's business.
     */
    @Test
    @Timeout(30)
    void a_failure_from_ffmpeg_names_no_server_path_nor_memory_address() throws IOException {
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        String sha = blobs.put(new ByteArrayInputStream("not really audio at all".getBytes(StandardCharsets.UTF_8)),
                1_000).sha256();
        Path input = blobs.file(sha).orElseThrow();
        MediaConverter real = new MediaConverter("ffmpeg", blobs, Duration.ofSeconds(20));
        // the real ffmpeg's words, and a stand-in's for the decoder's address and the output's path
        MediaConverter fake = new MediaConverter(script("for a; do out=\"$a\"; done; "
                + "echo \"[mp3 @ 0x5605c9e59c0] cannot write $out\" >&2; exit 1").toString(), blobs, Duration.ofSeconds(5));

        for (MediaConverter converter : java.util.List.of(real, fake)) {
            assertThatThrownBy(() -> converter.convert(sha, MediaConverter.Target.IMESSAGE_VOICE, 1_000))
                    .isInstanceOf(MediaConverter.Failure.class)
                    .hasMessageStartingWith("ffmpeg could not convert the file: ")
                    .message().doesNotContain(dir.toString()).doesNotContain(input.getFileName().toString())
                    .doesNotContain(sha).doesNotContainPattern("0x[0-9a-f]+");
        }
    }

    /**
     * ffmpeg that cannot write its output for a full disk failed the send at once, as if the media were bad; it is the
     * server's storage, which waits (and is retried within the send's window) like the server's own writes.
     */
    @Test
    @Timeout(20)
    void ffmpeg_finding_the_disk_full_is_a_storage_failure_not_the_medias() throws IOException {
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        String sha = blobs.put(new ByteArrayInputStream("some audio".getBytes(StandardCharsets.UTF_8)), 1_000).sha256();
        for (String words : java.util.List.of("av_interleaved_write_frame(): No space left on device",
                "Error writing trailer of the output: Disk quota exceeded")) {
            MediaConverter converter = new MediaConverter(script("for a; do out=\"$a\"; done; echo \"[ogg @ 0x55d] "
                    + "$out: " + words + "\" >&2; exit 1").toString(), blobs, Duration.ofSeconds(5));
            assertThatThrownBy(() -> converter.convert(sha, MediaConverter.Target.WHATSAPP_VOICE, 1_000))
                    .as(words)
                    .isInstanceOfSatisfying(MediaConverter.Failure.class, f -> assertThat(f.storage()).isTrue())
                    .message().startsWith("conversion failed").doesNotContain(dir.toString());
        }
    }

    @Test
    @Timeout(20)
    void a_failure_of_the_servers_own_files_names_no_path() throws IOException {
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        String sha = blobs.put(new ByteArrayInputStream("some audio".getBytes(StandardCharsets.UTF_8)), 1_000).sha256();
        // exits 0 without its output: reading the result fails with a NoSuchFileException naming the scratch path
        MediaConverter converter = new MediaConverter(script("for a; do out=\"$a\"; done; rm -f \"$out\"").toString(),
                blobs, Duration.ofSeconds(5));

        assertThatThrownBy(() -> converter.convert(sha, MediaConverter.Target.WHATSAPP_VOICE, 1_000))
                .isInstanceOfSatisfying(MediaConverter.Failure.class, f -> assertThat(f.storage()).isTrue())
                .message().startsWith("conversion failed").doesNotContain(dir.toString()).doesNotContain("/");
    }

    @Test
    @Timeout(30)
    void an_image_over_the_pixel_limit_is_refused_before_ffmpeg_decodes_it() throws Exception {
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        // 12,000 × 10,000 = 120 megapixels in some 120 KB: ffmpeg would decode it to 120 MB (to gigabytes, in colour
        // and near ffmpeg's own limit); small enough that, without the limit, this test converts it quickly and fails
        byte[] bomb = dev.msgbubbles.support.TestImages.grayPng(12_000, 10_000, 0);
        assertThat(bomb.length).isLessThan(200_000);
        String sha = blobs.put(new ByteArrayInputStream(bomb), bomb.length).sha256();
        MediaConverter converter = new MediaConverter("ffmpeg", blobs, Duration.ofSeconds(20));

        assertThatThrownBy(() -> converter.convert(sha, MediaConverter.Target.MMS_IMAGE, 100_000))
                .isInstanceOf(MediaConverter.Failure.class)
                .hasMessage("the image is 12000x10000 pixels, over the 100 megapixels this server decodes");

        // a picture within the limit converts as before
        byte[] fine = dev.msgbubbles.support.TestImages.grayPng(2_000, 1_000, 1_000);
        String fineSha = blobs.put(new ByteArrayInputStream(fine), fine.length).sha256();
        assertThat(converter.convert(fineSha, MediaConverter.Target.MMS_IMAGE, 2_000_000).size()).isPositive();
    }

    @Test
    @Timeout(30)
    void a_transparent_image_scaled_for_mms_keeps_a_white_background_and_its_picture() throws Exception {
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        // a dark logo on a transparent background, as PNG stickers and logos are: its invisible pixels are black, as
        // encoders commonly leave them. JPEG has no alpha: dropping it showed them, and the logo vanished into black
        java.awt.image.BufferedImage logo = new java.awt.image.BufferedImage(400, 400,
                java.awt.image.BufferedImage.TYPE_INT_ARGB);
        java.util.Random noise = new java.util.Random(3);
        for (int x = 0; x < 400; x++) {
            for (int y = 0; y < 400; y++) {
                boolean inLogo = (x - 200) * (x - 200) + (y - 200) * (y - 200) < 80 * 80;
                // noise in the logo, so that the file is over the MMS limit and is converted
                logo.setRGB(x, y, inLogo ? 0xFF000000 | (noise.nextInt() & 0x303030) : 0x00000000);
            }
        }
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(logo, "png", png);
        String sha = blobs.put(new ByteArrayInputStream(png.toByteArray()), png.size()).sha256();
        MediaConverter converter = new MediaConverter("ffmpeg", blobs, Duration.ofSeconds(20));

        BlobStore.Blob jpeg = converter.convert(sha, MediaConverter.Target.MMS_IMAGE, png.size() - 1L);

        java.awt.image.BufferedImage out;
        try (var in = blobs.open(jpeg.sha256(), 0, jpeg.size())) {
            out = javax.imageio.ImageIO.read(in);
        }
        assertThat(out.getWidth()).isEqualTo(400);
        int corner = out.getRGB(10, 10);
        assertThat(java.util.List.of(corner >> 16 & 0xFF, corner >> 8 & 0xFF, corner & 0xFF)).as("the transparent background")
                .allSatisfy(channel -> assertThat(channel).isGreaterThan(240));
        int centre = out.getRGB(200, 200);
        assertThat(java.util.List.of(centre >> 16 & 0xFF, centre >> 8 & 0xFF, centre & 0xFF)).as("the logo")
                .allSatisfy(channel -> assertThat(channel).isLessThan(100));
    }
}
