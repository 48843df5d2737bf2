package dev.msgbubbles.attachment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A blob is on disk, under its name, before {@link LocalBlobStore#put} returns and a row may name it. */
class LocalBlobStoreTest {
    @TempDir
    Path root;

    /** Records each force with what the disk looked like at that moment. */
    private static final class Recording implements LocalBlobStore.Sync {
        final List<String> forced = new ArrayList<>();
        final List<Long> fileSizes = new ArrayList<>();

        @Override
        public void file(FileChannel file) throws IOException {
            forced.add("file");
            fileSizes.add(file.size());
        }

        @Override
        public void directory(Path directory) {
            forced.add("dir " + directory.getFileName() + (Files.isDirectory(directory) ? "" : " (missing)"));
        }
    }

    private static ByteArrayInputStream bytes(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void the_bytes_are_forced_before_the_move_and_every_new_name_after_it() throws IOException {
        Recording sync = new Recording();
        LocalBlobStore blobs = new LocalBlobStore(root, sync);

        BlobStore.Blob blob = blobs.put(bytes("hello, durable world"), 1_000);

        String sha = blob.sha256();
        assertThat(sync.fileSizes).containsExactly(20L);
        // the file, then the two hash directories' names (in the root, then in ab/), then the blob's name in ab/cd/
        assertThat(sync.forced).containsExactly("file", "dir " + root.getFileName(), "dir " + sha.substring(0, 2),
                "dir " + sha.substring(2, 4));
        assertThat(blobs.file(sha)).isPresent();
        try (var in = blobs.open(sha, 0, blob.size())) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("hello, durable world");
        }
    }

    @Test
    void the_same_bytes_again_force_their_name_again_and_create_nothing() throws IOException {
        Recording sync = new Recording();
        LocalBlobStore blobs = new LocalBlobStore(root, sync);
        String sha = blobs.put(bytes("twice"), 1_000).sha256();
        sync.forced.clear();

        assertThat(blobs.put(bytes("twice"), 1_000).sha256()).isEqualTo(sha);

        assertThat(sync.forced).containsExactly("file", "dir " + sha.substring(2, 4));
        try (var staged = Files.list(root.resolve("tmp"))) {
            assertThat(staged).isEmpty();
        }
    }

    @Test
    void a_blob_over_the_limit_is_neither_forced_nor_kept() throws IOException {
        Recording sync = new Recording();
        LocalBlobStore blobs = new LocalBlobStore(root, sync);

        assertThatThrownBy(() -> blobs.put(bytes("too many bytes"), 4)).isInstanceOf(BlobStore.TooLarge.class);

        assertThat(sync.forced).isEmpty();
        try (var staged = Files.list(root.resolve("tmp"))) {
            assertThat(staged).isEmpty();
        }
    }

    @Test
    void the_real_sync_forces_files_and_directories_without_error() throws IOException {
        LocalBlobStore blobs = new LocalBlobStore(root);
        String sha = blobs.put(bytes("fsync"), 1_000).sha256();
        assertThat(blobs.exists(sha)).isTrue();
    }
}
