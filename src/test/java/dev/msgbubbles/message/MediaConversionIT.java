package dev.msgbubbles.message;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.account.Principal;
import dev.msgbubbles.attachment.AttachmentView;
import dev.msgbubbles.attachment.Attachments;
import dev.msgbubbles.attachment.LinkSigner;
import dev.msgbubbles.attachment.LocalBlobStore;
import dev.msgbubbles.attachment.MediaConverter;
import dev.msgbubbles.channel.OutboundMessage;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.config.Config;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Media as the backend receives it, with a recording channel standing in for the backend and the real ffmpeg
 * converting: a voice memo becomes Opus in CAF for iMessage and Opus in OGG for WhatsApp (checked by probing the
 * bytes with ffprobe), goes unchanged over SMS, images too large for MMS are scaled down to JPEG, and a missing
 * ffmpeg fails the message with a clear error.
 */
class MediaConversionIT {
    private static final long MMS_MAX = 150_000;
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
    private TestStore store;
    private Database db;
    private RecordingChannel backend;

    @BeforeEach
    void open() {
        store = TestStore.sqlite();
        db = store.open();
    }

    @AfterEach
    void close() {
        db.close();
        store.close();
    }

    private record Setup(MessagingRig rig, Attachments attachments, RecordingChannel backend, Path blobs) {
        Messaging messaging() {
            return rig.messaging();
        }

        Principal principal() {
            return rig.principal();
        }
    }

    private Setup setup(String ffmpeg) {
        backend = new RecordingChannel();
        Config config = store.config(Map.of());
        Path blobDir = config.storage().dataDir().resolve("blobs");
        LocalBlobStore blobs = new LocalBlobStore(blobDir);
        Attachments attachments = new Attachments(db, clock, blobs,
                new LinkSigner(new byte[32], () -> URI.create("http://127.0.0.1:1"), clock),
                new Attachments.Limits(50_000_000, 50_000_000, 10, List.of("*/*"), Duration.ofHours(24), Duration.ofHours(1),
                        Duration.ofDays(7), MMS_MAX),
                new MediaConverter(ffmpeg, blobs));
        MessagingRig rig = MessagingRig.start(db, clock, backend,
                EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS, ChannelType.WHATSAPP), attachments, Duration.ofHours(1));
        return new Setup(rig, attachments, backend, blobDir);
    }

    private UUID upload(Setup s, String filename, byte[] bytes) {
        try (Attachments.Upload upload = s.attachments().upload(s.principal().accountId(), Mode.TEST)) {
            upload.add("file", filename, new ByteArrayInputStream(bytes));
            List<AttachmentView> views = upload.finish();
            return views.getFirst().id();
        }
    }

    private MessageView send(Setup s, String to, UUID attachment, boolean voiceMemo, String channel) {
        var created = s.messaging().send().send(new SendMessage.Command(s.principal(), null, null, to, MessagingRig.NUMBER,
                null, null, List.of(attachment), null, null, channel, voiceMemo, null, null));
        s.rig().drain();
        return s.messaging().messages().get(s.principal(), created.message().id(), false);
    }

    /** What ffprobe says of {@code bytes}: {@code format_name}, {@code codec_name}, {@code duration}, {@code width}. */
    private static Map<String, String> probe(byte[] bytes) {
        try {
            Path file = Files.createTempFile("probe-", ".bin");
            try {
                Files.write(file, bytes);
                Process process = new ProcessBuilder("ffprobe", "-v", "error", "-show_entries",
                        "format=format_name,duration:stream=codec_name,width", "-of", "default=nw=1", file.toString())
                        .redirectErrorStream(true).start();
                String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(process.waitFor()).as(out).isZero();
                Map<String, String> fields = new LinkedHashMap<>();
                out.lines().map(line -> line.split("=", 2)).filter(kv -> kv.length == 2)
                        .forEach(kv -> fields.putIfAbsent(kv[0], kv[1]));
                return fields;
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private byte[] bytes(OutboundMessage.Media media) {
        return backend.contents.get(media);
    }

    /** Two seconds of a 440 Hz tone as 16-bit mono PCM WAV: a real audio file, made without any tool. */
    static byte[] wav() {
        int rate = 16_000;
        int samples = rate * 2;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(44 + samples * 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + samples * 2).put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 1).putInt(rate)
                .putInt(rate * 2).putShort((short) 2).putShort((short) 16);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(samples * 2);
        for (int i = 0; i < samples; i++) {
            b.putShort((short) (Math.sin(2 * Math.PI * 440 * i / rate) * 12_000));
        }
        return b.array();
    }

    @Test
    void a_voice_memo_becomes_opus_in_caf_for_imessage_and_opus_in_ogg_for_whatsapp() {
        Setup s = setup("ffmpeg");
        byte[] audio = wav();

        MessageView imessage = send(s, "+14155550101", upload(s, "memo.wav", audio), true, null);
        assertThat(imessage.status()).isEqualTo("sent");
        OutboundMessage.Media caf = s.backend().lastSend().media().getFirst();
        assertThat(caf.voiceNote()).isTrue();
        assertThat(caf.mimeType()).isEqualTo("audio/x-caf");
        assertThat(caf.filename()).isEqualTo("memo.caf");
        Map<String, String> cafProbe = probe(bytes(caf));
        assertThat(cafProbe).containsEntry("format_name", "caf").containsEntry("codec_name", "opus");
        assertThat(Double.parseDouble(cafProbe.get("duration"))).isBetween(1.9, 2.2);
        assertThat((long) bytes(caf).length).isEqualTo(caf.sizeBytes()).isLessThan(audio.length);

        MessageView whatsapp = send(s, "+14155550102", upload(s, "memo2.wav", audio), true, "whatsapp");
        assertThat(whatsapp.channel()).isEqualTo("whatsapp");
        OutboundMessage.Media ogg = s.backend().lastSend().media().getFirst();
        assertThat(ogg.mimeType()).isEqualTo("audio/ogg");
        Map<String, String> oggProbe = probe(bytes(ogg));
        assertThat(oggProbe).containsEntry("format_name", "ogg").containsEntry("codec_name", "opus");
        assertThat(Double.parseDouble(oggProbe.get("duration"))).isBetween(1.9, 2.2);

        // SMS has no voice notes: the audio goes as it was uploaded
        MessageView sms = send(s, "+14155550203", upload(s, "memo3.wav", audio), true, null);
        assertThat(sms.channel()).isEqualTo("sms");
        OutboundMessage.Media asIs = s.backend().lastSend().media().getFirst();
        assertThat(asIs.voiceNote()).isFalse();
        assertThat(bytes(asIs)).isEqualTo(audio);

        // the message object keeps listing the attachment as uploaded
        assertThat(dev.msgbubbles.common.WireJson.write(imessage)).contains("\"filename\":\"memo.wav\"")
                .contains("\"mime_type\":\"audio/vnd.wave\"");
        try (var scratch = Files.list(s.blobs().resolve("tmp")); var all = Files.walk(s.blobs())) {
            assertThat(scratch.toList()).as("no scratch files left").isEmpty();
            // the three uploads had the same bytes: one blob; what was converted for each send is gone again
            assertThat(all.filter(Files::isRegularFile).toList()).hasSize(1);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void images_too_large_for_mms_are_scaled_down_to_jpeg_and_small_ones_go_as_they_are() {
        Setup s = setup("ffmpeg");
        BufferedImage image = new BufferedImage(1800, 1200, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(7);
        for (int x = 0; x < image.getWidth(); x++) {
            for (int y = 0; y < image.getHeight(); y++) {
                image.setRGB(x, y, ((x / 8) * 40 + (y / 8) * 7) & 0xFFFFFF ^ (random.nextInt(32)));
            }
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", png);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertThat(png.size()).isGreaterThan((int) MMS_MAX);

        send(s, "+14155550204", upload(s, "big.png", png.toByteArray()), false, null);
        OutboundMessage.Media scaled = s.backend().lastSend().media().getFirst();
        assertThat(s.backend().lastSend().channel()).isEqualTo(ChannelType.SMS);
        assertThat(scaled.mimeType()).isEqualTo("image/jpeg");
        assertThat(scaled.filename()).isEqualTo("big.jpg");
        byte[] jpeg = bytes(scaled);
        assertThat(jpeg.length).isLessThanOrEqualTo((int) MMS_MAX);
        Map<String, String> probe = probe(jpeg);
        assertThat(probe).containsEntry("codec_name", "mjpeg");
        assertThat(Integer.parseInt(probe.get("width"))).isLessThanOrEqualTo(1600);

        // over iMessage the same image goes as it is
        send(s, "+14155550105", upload(s, "big2.png", png.toByteArray()), false, null);
        OutboundMessage.Media original = s.backend().lastSend().media().getFirst();
        assertThat(original.mimeType()).isEqualTo("image/png");
        assertThat(bytes(original)).isEqualTo(png.toByteArray());
    }

    @Test
    void without_ffmpeg_a_voice_memo_fails_with_a_clear_error() {
        Setup s = setup("/nonexistent/ffmpeg");
        MessageView failed = send(s, "+14155550106", upload(s, "memo.wav", wav()), true, null);
        assertThat(failed.status()).isEqualTo("failed");
        assertThat(failed.error().code()).isEqualTo("media_conversion_failed");
        assertThat(failed.error().message()).contains("ffmpeg is not available");
        assertThat(s.backend().sends()).isEmpty();
    }

    @Test
    void an_image_declaring_too_many_pixels_fails_the_send_over_mms_without_being_decoded() {
        Setup s = setup("ffmpeg");
        byte[] bomb = dev.msgbubbles.support.TestImages.grayPng(12_000, 10_000, 20); // 120 MP; some rows of noise
        assertThat(bomb.length).isGreaterThan((int) MMS_MAX).isLessThan(1_000_000);

        MessageView failed = send(s, "+14155550207", upload(s, "bomb.png", bomb), false, null);

        assertThat(failed.status()).isEqualTo("failed");
        assertThat(failed.error().code()).isEqualTo("media_conversion_failed");
        assertThat(failed.error().message()).contains("12000x10000").contains("100 megapixels");
        assertThat(s.backend().sends()).isEmpty();
    }
}
