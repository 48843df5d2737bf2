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
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upload's bytes are held from the moment they are in the store: a removal of the same bytes (an expired
 * attachment's, a refused upload's) that runs just as they arrive cannot take them from under the upload, which
 * would record an attachment naming a file that is gone.
 */
class UploadHoldIT {
    @TempDir
    Path dir;

    /** A blob store that runs {@code afterPut} right after each write, as a concurrent removal may. */
    private static final class Interleaving implements BlobStore {
        private final LocalBlobStore delegate;
        Consumer<String> afterPut = sha -> { };

        Interleaving(LocalBlobStore delegate) {
            this.delegate = delegate;
        }

        @Override
        public Blob put(InputStream in, long maxBytes, Consumer<String> taking) throws IOException {
            Blob blob = delegate.put(in, maxBytes, taking);
            afterPut.accept(blob.sha256());
            return blob;
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
        public int sweepScratch(java.time.Instant before) throws IOException {
            return delegate.sweepScratch(before);
        }

        @Override
        public List<Listed> list(String after, int limit) throws IOException {
            return delegate.list(after, limit);
        }

        @Override
        public void delete(String sha256) throws IOException {
            delegate.delete(sha256);
        }
    }

    @Test
    void a_removal_of_the_same_bytes_as_they_arrive_leaves_them_to_the_upload() throws Exception {
        try (TestStore store = TestStore.sqlite(); Database db = store.open()) {
            Clock clock = Clock.systemUTC();
            Interleaving blobs = new Interleaving(new LocalBlobStore(dir.resolve("blobs")));
            Attachments attachments = new Attachments(db, clock, blobs,
                    new LinkSigner(new byte[32], () -> URI.create("http://127.0.0.1"), clock),
                    new Attachments.Limits(1_000_000, 1_000_000, 10, List.of("*/*"), Duration.ofHours(24),
                            Duration.ofHours(1), Duration.ofDays(7), 1_000_000),
                    new MediaConverter("ffmpeg", blobs, Duration.ofSeconds(10)));
            byte[] logo = "the same logo, uploaded again".getBytes(StandardCharsets.UTF_8);
            // the bytes were stored before (an attachment of yesterday's, now expired and being removed)
            String sha = blobs.put(new ByteArrayInputStream(logo), 1_000, taken -> { }).sha256();
            blobs.afterPut = attachments::releaseBlob; // its removal runs as today's upload of them completes

            try (Attachments.Upload upload = attachments.upload(UUID.randomUUID(), Mode.TEST)) {
                upload.add("file", "logo.txt", new ByteArrayInputStream(logo));
                assertThat(blobs.exists(sha)).as("the bytes the upload is about to record").isTrue();
            }
            // refused (never finished): then they go, as nothing holds or names them
            assertThat(blobs.exists(sha)).isFalse();

            // an empty file is refused after it was written: its (empty) blob goes with its hold
            try (Attachments.Upload upload = attachments.upload(UUID.randomUUID(), Mode.TEST)) {
                org.assertj.core.api.Assertions.assertThatThrownBy(() -> upload.add("file", "empty.txt",
                        new ByteArrayInputStream(new byte[0]))).hasMessageContaining("empty");
            }
            assertThat(blobs.exists("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")).isFalse();
        }
    }
}
