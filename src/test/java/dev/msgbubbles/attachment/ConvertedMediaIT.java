package dev.msgbubbles.attachment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.TestStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bytes converted for a send live until that send has handed them over, also when another send converted the same
 * media into the same bytes (one blob, content-addressed) and is done with them first: a voice memo sent to many
 * contacts, each send converting its own upload of one recording.
 */
class ConvertedMediaIT {
    @TempDir
    Path dir;

    @Test
    void one_send_done_with_converted_bytes_leaves_them_to_another_send_that_made_the_same() throws Exception {
        Path ffmpeg = dir.resolve("fake-ffmpeg");
        // a deterministic converter, as ffmpeg is: the same input makes the same output bytes
        Files.writeString(ffmpeg, "#!/bin/sh\nfor a; do out=\"$a\"; done\nprintf 'OggS converted' > \"$out\"\n");
        Files.setPosixFilePermissions(ffmpeg, PosixFilePermissions.fromString("rwx------"));
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            Clock clock = Clock.systemUTC();
            LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
            Attachments attachments = new Attachments(db, clock, blobs,
                    new LinkSigner(new byte[32], () -> URI.create("http://127.0.0.1"), clock),
                    new Attachments.Limits(1_000_000, 1_000_000, 10, List.of("*/*"), Duration.ofHours(24),
                            Duration.ofHours(1), Duration.ofDays(7), 1_000_000),
                    new MediaConverter(ffmpeg.toString(), blobs, Duration.ofSeconds(10)));
            String recording = blobs.put(new ByteArrayInputStream("a recording".getBytes(StandardCharsets.UTF_8)), 1_000)
                    .sha256();
            Attachment first = attachment(recording);
            Attachment second = attachment(recording);

            Attachments.Converted forFirst = attachments.convert(first, MediaConverter.Target.WHATSAPP_VOICE);
            Attachments.Converted forSecond = attachments.convert(second, MediaConverter.Target.WHATSAPP_VOICE);
            assertThat(forSecond.blob().sha256()).isEqualTo(forFirst.blob().sha256());

            attachments.discardConverted(forFirst); // the first send's backend has taken its media
            try (InputStream in = attachments.open(forSecond.blob().sha256())) {
                assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("OggS converted");
            }
            attachments.discardConverted(forSecond);
            assertThat(blobs.exists(forSecond.blob().sha256())).as("dropped once no send needs it").isFalse();
            assertThat(blobs.exists(recording)).isTrue();
        }
    }

    private static Attachment attachment(String sha256) {
        Instant now = Instant.now();
        return new Attachment(UUID.randomUUID(), UUID.randomUUID(), Mode.TEST, false, "memo.wav", "audio/vnd.wave", 11,
                sha256, UUID.randomUUID(), null, now);
    }
}
