package dev.msgbubbles.attachment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two processes on one database and one blob directory (two {@link Attachments}, each on a {@link Database} of its
 * own): one process's removals (the purge, a refused upload of the same bytes, a send done with converted media) never
 * delete a blob the other is about to record or hand over; and blobs a crash left behind are swept once old. Manual
 * clock, steps in a fixed order.
 */
abstract class SharedBlobsContract {
    private final MutableClock clock = new MutableClock(Instant.now().truncatedTo(ChronoUnit.SECONDS));
    private TestStore store;
    private Database dbA;
    private Database dbB;
    private UUID account;

    @TempDir
    Path dir;

    abstract TestStore newStore();

    @BeforeEach
    void open() {
        store = newStore();
        dbA = store.open();
        dbB = store.open();
        account = new dev.msgbubbles.account.AccountAdmin(dbA, clock).create("shared-blobs").account().id();
    }

    @AfterEach
    void close() {
        dbA.close();
        dbB.close();
        store.close();
    }

    private LocalBlobStore blobs() {
        return new LocalBlobStore(dir.resolve("blobs"));
    }

    /** One process's attachments, with {@code ffmpeg} as its converter. */
    private Attachments process(Database db, String ffmpeg) {
        LocalBlobStore blobs = blobs();
        return new Attachments(db, clock, blobs, new LinkSigner(new byte[32], () -> URI.create("http://127.0.0.1"), clock),
                new Attachments.Limits(1_000_000, 1_000_000, 10, List.of("*/*"), Duration.ofHours(24),
                        Duration.ofHours(1), Duration.ofDays(7), 1_000_000),
                new MediaConverter(ffmpeg, blobs, Duration.ofSeconds(10)));
    }

    private static InputStream bytes(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    private static String sha(String text) {
        return java.util.HexFormat.of().formatHex(dev.msgbubbles.common.Secrets.sha256(text.getBytes(StandardCharsets.UTF_8)));
    }

    private static String read(Attachments attachments, String sha) throws IOException {
        try (InputStream in = attachments.open(sha)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void a_send_in_one_process_done_with_converted_media_leaves_it_to_a_send_in_another() throws Exception {
        Path ffmpeg = dir.resolve("fake-ffmpeg");
        // a deterministic converter, as ffmpeg is: the same input makes the same output bytes
        Files.writeString(ffmpeg, "#!/bin/sh\nfor a; do out=\"$a\"; done\nprintf 'OggS converted' > \"$out\"\n");
        Files.setPosixFilePermissions(ffmpeg, PosixFilePermissions.fromString("rwx------"));
        Attachments a = process(dbA, ffmpeg.toString());
        Attachments b = process(dbB, ffmpeg.toString());
        // one voice memo sent to two contacts, each send run by another process
        String recording = blobs().put(bytes("a recording"), 1_000).sha256();
        Attachment memo = new Attachment(UUID.randomUUID(), account, Mode.TEST, false, "memo.wav", "audio/vnd.wave", 11,
                recording, UUID.randomUUID(), null, clock.instant());

        Attachments.Converted inA = a.convert(memo, MediaConverter.Target.WHATSAPP_VOICE);
        Attachments.Converted inB = b.convert(memo, MediaConverter.Target.WHATSAPP_VOICE);
        assertThat(inB.blob().sha256()).isEqualTo(inA.blob().sha256());

        a.discardConverted(inA); // process A's backend has taken its media first
        assertThat(read(b, inB.blob().sha256())).as("process B's send still reads its media").isEqualTo("OggS converted");
        b.discardConverted(inB);
        assertThat(blobs().exists(inB.blob().sha256())).as("removed once no send in any process needs it").isFalse();
    }

    @Test
    void an_upload_being_recorded_in_one_process_keeps_its_bytes_through_the_other_process_removals() throws Exception {
        Attachments a = process(dbA, "ffmpeg");
        Attachments b = process(dbB, "ffmpeg");
        String logo = "the company logo";
        // yesterday's upload of the same bytes, never sent: it expires
        try (Attachments.Upload old = b.upload(account, Mode.TEST)) {
            old.add("file", "logo.txt", bytes(logo));
            old.finish();
        }
        clock.advance(Duration.ofHours(25));

        AttachmentView recorded;
        try (Attachments.Upload upload = a.upload(account, Mode.TEST)) {
            upload.add("file", "logo.txt", bytes(logo)); // written by process A, not yet recorded
            // meanwhile process B: a request with the same bytes is refused half-way, and the purge removes the
            // expired attachment; neither may take the bytes from under A's upload
            try (Attachments.Upload refused = b.upload(account, Mode.TEST)) {
                refused.add("file", "logo.txt", bytes(logo));
            }
            assertThat(b.purgeExpired(100)).isEqualTo(1);
            assertThat(blobs().exists(sha(logo))).as("the bytes process A is about to record").isTrue();
            recorded = upload.finish().get(0);
        }
        assertThat(read(b, sha(logo))).isEqualTo(logo);
        assertThat(recorded.sizeBytes()).isEqualTo(logo.length());

        // once nothing needs them, a removal in either process takes them
        clock.advance(Duration.ofHours(25));
        assertThat(a.purgeExpired(100)).isEqualTo(1);
        assertThat(blobs().exists(sha(logo))).isFalse();
    }

    @Test
    void blobs_that_a_crash_left_unrecorded_are_swept_once_old_and_nothing_else_is() throws Exception {
        Attachments a = process(dbA, "ffmpeg");
        Attachments b = process(dbB, "ffmpeg");
        LocalBlobStore blobs = blobs();
        // process A died between writing an upload's bytes and recording them: a blob nothing names, a hold nobody
        // gives back
        Attachments.Upload crashed = a.upload(account, Mode.TEST);
        crashed.add("file", "lost.txt", bytes("bytes of a crashed upload"));
        // a blob written by a crash before holds existed (nothing names or holds it), one that is recorded, and one
        // whose bytes are about to be uploaded again
        String leaked = blobs.put(bytes("leaked long ago"), 1_000).sha256();
        String stored = blobs.put(bytes("stored long ago"), 1_000).sha256();
        try (Attachments.Upload kept = a.upload(account, Mode.TEST)) {
            kept.add("file", "kept.txt", bytes("recorded bytes"));
            kept.finish();
        }
        clock.advance(Duration.ofDays(2)); // every file above is now two days old, the crashed upload's hold expired

        // an upload in flight in process A: its bytes are written moments ago, and held
        Attachments.Upload inFlight = a.upload(account, Mode.TEST);
        inFlight.add("file", "new.txt", bytes("bytes arriving now"));
        Files.setLastModifiedTime(blobs.file(sha("bytes arriving now")).orElseThrow(), FileTime.from(clock.instant()));
        // and one whose bytes were stored before (a two-day-old file), held as it is being recorded
        Attachments.Upload again = a.upload(account, Mode.TEST);
        again.add("file", "again.txt", bytes("stored long ago"));

        Instant before = clock.instant().minus(PurgeJob.BLOB_AGE);
        Attachments.Sweep swept = b.sweepUnreferenced("", 100, before);
        assertThat(swept.examined()).isEqualTo(5);
        assertThat(swept.removed()).isEqualTo(2);
        assertThat(blobs.exists(sha("bytes of a crashed upload"))).isFalse();
        assertThat(blobs.exists(leaked)).isFalse();
        assertThat(blobs.exists(sha("recorded bytes"))).isTrue();
        assertThat(blobs.exists(sha("bytes arriving now"))).isTrue();
        assertThat(blobs.exists(stored)).isTrue();
        assertThat(b.purgeExpiredHolds(100)).as("the crashed process's hold").isEqualTo(1);
        inFlight.finish();
        inFlight.close();
        again.finish();
        again.close();
        assertThat(b.sweepUnreferenced("", 100, before).removed()).isZero();
        assertThat(read(b, stored)).isEqualTo("stored long ago");

        // bounded: a pass looks at no more than it is given and says where the next one starts, going round
        Attachments.Sweep first = b.sweepUnreferenced("", 1, before);
        assertThat(first.examined()).isEqualTo(1);
        Attachments.Sweep second = b.sweepUnreferenced(first.next(), 1, before);
        assertThat(second.next()).isGreaterThan(first.next());
        Attachments.Sweep round = b.sweepUnreferenced(second.next(), 10, before);
        assertThat(round.examined()).as("from after the second round to it").isEqualTo(3);
        assertThat(round.next()).isEqualTo(second.next());
    }
}
