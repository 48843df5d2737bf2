package dev.msgbubbles.attachment;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.PgLocks;
import dev.msgbubbles.support.TestStore;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Process B's removal of a blob has found it needed by nothing and is about to delete its file, as process A's upload
 * of the same bytes arrives: A's hold waits for B's lock (then finds the file gone and moves its own bytes in), never
 * slips in between B's check and B's delete. PostgreSQL, whose advisory lock is what orders them (SQLite's single
 * writer does, across processes, by the same transactions).
 */
class PostgresBlobRemovalRaceIT {
    @TempDir
    Path dir;

    /** Process B's blob store: its delete signals, then waits to be let go. */
    private static final class PausedDelete implements BlobStore {
        private final LocalBlobStore delegate;
        final CountDownLatch deleting = new CountDownLatch(1);
        final CountDownLatch proceed = new CountDownLatch(1);

        PausedDelete(LocalBlobStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public Blob put(InputStream in, long maxBytes, Consumer<String> taking) throws IOException {
            return delegate.put(in, maxBytes, taking);
        }

        @Override
        public InputStream open(String sha256, long offset, long length) throws IOException {
            return delegate.open(sha256, offset, length);
        }

        @Override
        public boolean exists(String sha256) {
            return delegate.exists(sha256);
        }

        @Override
        public Optional<Path> file(String sha256) {
            return delegate.file(sha256);
        }

        @Override
        public Path scratch() {
            return delegate.scratch();
        }

        @Override
        public int sweepScratch(Instant before) throws IOException {
            return delegate.sweepScratch(before);
        }

        @Override
        public List<Listed> list(String after, int limit) throws IOException {
            return delegate.list(after, limit);
        }

        @Override
        public void delete(String sha256) throws IOException {
            deleting.countDown();
            PgLocks.await(proceed);
            delegate.delete(sha256);
        }
    }

    private Attachments process(Database db, MutableClock clock, BlobStore blobs) {
        return process(db, clock, blobs, "ffmpeg");
    }

    private Attachments process(Database db, MutableClock clock, BlobStore blobs, String ffmpeg) {
        return new Attachments(db, clock, blobs, new LinkSigner(new byte[32], () -> URI.create("http://127.0.0.1"), clock),
                new Attachments.Limits(1_000_000, 1_000_000, 10, List.of("*/*"), Duration.ofHours(24),
                        Duration.ofHours(1), Duration.ofDays(7), 1_000_000),
                new MediaConverter(ffmpeg, new LocalBlobStore(dir.resolve("blobs")), Duration.ofSeconds(10)));
    }

    @Test
    void an_upload_arriving_while_another_process_deletes_its_bytes_waits_and_keeps_its_own() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-05-01T00:00:00Z"));
        ExecutorService threads = Executors.newFixedThreadPool(2);
        try (TestStore store = TestStore.postgres("blobrace"); Database dbA = store.open(); Database dbB = store.open();
             Database probe = store.open()) {
            UUID account = new dev.msgbubbles.account.AccountAdmin(dbA, clock).create("blob-race").account().id();
            LocalBlobStore local = new LocalBlobStore(dir.resolve("blobs"));
            PausedDelete pausedB = new PausedDelete(local);
            Attachments a = process(dbA, clock, local);
            Attachments b = process(dbB, clock, pausedB);
            byte[] logo = "the logo, uploaded again".getBytes(StandardCharsets.UTF_8);
            String sha = local.put(new ByteArrayInputStream(logo), 1_000).sha256(); // nothing names or holds it

            CompletableFuture<Boolean> removal = CompletableFuture.supplyAsync(() -> b.releaseBlob(sha), threads);
            PgLocks.await(pausedB.deleting); // B has checked, under the blob's lock, and is deleting
            CompletableFuture<Attachments.Upload> upload = CompletableFuture.supplyAsync(() -> {
                Attachments.Upload u = a.upload(account, Mode.TEST);
                u.add("file", "logo.txt", new ByteArrayInputStream(logo));
                return u;
            }, threads);
            // A's hold either waits for B's lock (fixed) or has been taken beside it (without the lock)
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (!upload.isDone() && PgLocks.waiting(probe) == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
            assertThat(upload.isDone()).as("A's hold waits for B's removal to end").isFalse();
            pausedB.proceed.countDown();
            assertThat(removal.get(20, TimeUnit.SECONDS)).isTrue();
            try (Attachments.Upload u = upload.get(20, TimeUnit.SECONDS)) {
                u.finish();
            }
            try (InputStream in = a.open(sha)) {
                assertThat(in.readAllBytes()).as("A's attachment has its bytes").isEqualTo(logo);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    @Test
    void a_send_done_with_converted_media_in_a_database_outage_goes_on_to_record_its_outcome() throws Exception {
        // the release runs between the backend's answer and the record of it: throwing there would lose the record,
        // and the send would go again once its lease ran out
        Path ffmpeg = dir.resolve("fake-ffmpeg");
        java.nio.file.Files.writeString(ffmpeg, "#!/bin/sh\nfor a; do out=\"$a\"; done\nprintf 'OggS converted' > \"$out\"\n");
        java.nio.file.Files.setPosixFilePermissions(ffmpeg, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
        MutableClock clock = new MutableClock(Instant.parse("2026-05-01T00:00:00Z"));
        try (TestStore store = TestStore.postgres("blobrelease"); Database db = store.open()) {
            LocalBlobStore local = new LocalBlobStore(dir.resolve("blobs"));
            Attachments attachments = process(db, clock, local, ffmpeg.toString());
            String recording = local.put(new ByteArrayInputStream("a recording".getBytes(StandardCharsets.UTF_8)), 1_000)
                    .sha256();
            Attachment memo = new Attachment(UUID.randomUUID(), UUID.randomUUID(), Mode.TEST, false, "memo.wav",
                    "audio/vnd.wave", 11, recording, UUID.randomUUID(), null, clock.instant());
            Attachments.Converted converted = attachments.convert(memo, MediaConverter.Target.WHATSAPP_VOICE);
            store.refuseConnections();
            try {
                org.assertj.core.api.Assertions.assertThatCode(() -> attachments.discardConverted(converted))
                        .doesNotThrowAnyException();
            } finally {
                store.allowConnections();
            }
            assertThat(local.exists(converted.blob().sha256())).as("kept until its hold expires and the purge").isTrue();
        }
    }
}
