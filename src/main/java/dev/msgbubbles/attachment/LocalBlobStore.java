package dev.msgbubbles.attachment;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * Blobs as files under a directory (by default {@code <data dir>/blobs}): {@code ab/cd/<sha256>}. A write goes to
 * {@code tmp/} first, hashed and counted on the way, and is moved to its final name only when complete; the temporary
 * file is removed in every other case.
 *
 * <p>Durable before {@link #put} returns: the caller commits a row that names the blob right after, and a row that
 * survives a power cut must not name a file that did not. So the bytes are forced to disk before the file is moved
 * into place, and the directory that now holds its name (and any directory created for it) is forced after.
 */
public final class LocalBlobStore implements BlobStore {
    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");
    private static final int BUFFER = 64 * 1024;

    /** How written files and changed directories reach the disk: {@link #FSYNC}, or a recording fake in tests. */
    interface Sync {
        /** Forces {@code file}'s bytes to the disk before it is renamed. */
        void file(FileChannel file) throws IOException;

        /** Forces {@code directory}'s entries (a name added to it) to the disk. */
        void directory(Path directory) throws IOException;
    }

    /** fsync(2) for files and for directories (a directory opened for reading can be forced on Linux). */
    static final Sync FSYNC = new Sync() {
        @Override
        public void file(FileChannel file) throws IOException {
            file.force(true);
        }

        @Override
        public void directory(Path directory) throws IOException {
            try (FileChannel dir = FileChannel.open(directory, StandardOpenOption.READ)) {
                dir.force(true);
            }
        }
    };

    private final Path root;
    private final Path tmp;
    private final Sync sync;

    public LocalBlobStore(Path root) {
        this(root, FSYNC);
    }

    LocalBlobStore(Path root, Sync sync) {
        this.root = root;
        this.sync = sync;
        this.tmp = root.resolve("tmp");
        try {
            Files.createDirectories(tmp);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot create the blob directory " + root, e);
        }
    }

    @Override
    public Blob put(InputStream in, long maxBytes, java.util.function.Consumer<String> taking) throws IOException {
        Path staging = written(() -> Files.createTempFile(tmp, "upload-", ".part"));
        try {
            MessageDigest digest = sha256();
            long size = 0;
            byte[] buffer = new byte[BUFFER];
            try (FileChannel file = written(() -> FileChannel.open(staging, StandardOpenOption.WRITE))) {
                OutputStream out = Channels.newOutputStream(file);
                for (int read; (read = in.read(buffer)) >= 0; ) { // the client's failures pass as they are
                    size += read;
                    if (size > maxBytes) {
                        throw new TooLarge(maxBytes);
                    }
                    digest.update(buffer, 0, read);
                    int length = read;
                    written(() -> {
                        out.write(buffer, 0, length);
                        return null;
                    });
                }
                written(() -> {
                    sync.file(file);
                    return null;
                });
            }
            String sha = HexFormat.of().formatHex(digest.digest());
            taking.accept(sha);
            Path target = path(sha);
            written(() -> {
                if (!Files.exists(target)) {
                    createDirectories(target.getParent());
                    try {
                        Files.move(staging, target, StandardCopyOption.ATOMIC_MOVE);
                    } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException raced) {
                        // the same bytes arrived at once in another request: theirs is as good as ours
                    }
                }
                // also when the blob was already there: another request may have moved it in and not yet forced its name
                sync.directory(target.getParent());
                return null;
            });
            return new Blob(sha, size);
        } finally {
            Files.deleteIfExists(staging);
        }
    }

    /** A write to the store: its failure is the store's ({@link Unwritable}), never the client's. */
    private interface Write<T> {
        T run() throws IOException;
    }

    private static <T> T written(Write<T> write) throws Unwritable {
        try {
            return write.run();
        } catch (Unwritable e) {
            throw e;
        } catch (IOException e) {
            throw new Unwritable(e);
        }
    }

    @Override
    public InputStream open(String sha256, long offset, long length) throws IOException {
        SeekableByteChannel channel = Files.newByteChannel(path(sha256), StandardOpenOption.READ);
        try {
            channel.position(offset);
        } catch (IOException e) {
            channel.close();
            throw e;
        }
        InputStream whole = Channels.newInputStream(channel);
        return new InputStream() {
            private long left = length;

            @Override
            public int read() throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int b = whole.read();
                if (b >= 0) {
                    left--;
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (left <= 0) {
                    return -1;
                }
                int n = whole.read(b, off, (int) Math.min(len, left));
                if (n > 0) {
                    left -= n;
                }
                return n;
            }

            @Override
            public void close() throws IOException {
                whole.close();
            }
        };
    }

    @Override
    public java.util.Optional<Path> file(String sha256) {
        Path path = path(sha256);
        return Files.isRegularFile(path) ? java.util.Optional.of(path) : java.util.Optional.empty();
    }

    @Override
    public Path scratch() {
        return tmp;
    }

    @Override
    public int sweepScratch(java.time.Instant before) throws IOException {
        int removed = 0;
        try (var files = Files.newDirectoryStream(tmp)) {
            for (Path file : files) {
                try {
                    if (Files.isRegularFile(file) && Files.getLastModifiedTime(file).toInstant().isBefore(before)
                            && Files.deleteIfExists(file)) {
                        removed++;
                    }
                } catch (java.nio.file.NoSuchFileException gone) {
                    // its writer finished and removed it meanwhile
                }
            }
        }
        return removed;
    }

    @Override
    public java.util.List<Listed> list(String after, int limit) throws IOException {
        java.util.List<Listed> found = new java.util.ArrayList<>();
        for (Path first : sorted(root, 2, after.length() >= 2 ? after.substring(0, 2) : "")) {
            String one = first.getFileName().toString();
            String within = after.startsWith(one) && after.length() >= 4 ? after.substring(2, 4) : "";
            for (Path second : sorted(first, 2, after.startsWith(one) ? within : "")) {
                for (Path file : sorted(second, 64, "")) {
                    String sha = file.getFileName().toString();
                    if (sha.compareTo(after) <= 0 || !sha.startsWith(one + second.getFileName())) {
                        continue;
                    }
                    try {
                        found.add(new Listed(sha, Files.getLastModifiedTime(file).toInstant()));
                    } catch (java.nio.file.NoSuchFileException gone) {
                        continue; // removed meanwhile
                    }
                    if (found.size() >= limit) {
                        return found;
                    }
                }
            }
        }
        return found;
    }

    /**
     * The entries of {@code directory} named by {@code length} lower-case hex digits and not before {@code from}, in
     * order ({@code tmp} and anything else is left out); none when it is gone.
     */
    private static java.util.List<Path> sorted(Path directory, int length, String from) throws IOException {
        java.util.List<Path> entries = new java.util.ArrayList<>();
        Pattern hex = Pattern.compile("[0-9a-f]{" + length + "}");
        try (var stream = Files.newDirectoryStream(directory)) {
            for (Path entry : stream) {
                String name = entry.getFileName().toString();
                if (hex.matcher(name).matches() && name.compareTo(from) >= 0) {
                    entries.add(entry);
                }
            }
        } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException gone) {
            return java.util.List.of();
        }
        entries.sort(java.util.Comparator.comparing(p -> p.getFileName().toString()));
        return entries;
    }

    @Override
    public boolean exists(String sha256) {
        return Files.isRegularFile(path(sha256));
    }

    @Override
    public void delete(String sha256) throws IOException {
        Files.deleteIfExists(path(sha256));
    }

    /** Creates {@code directory} and any missing parent below the root, forcing each new name into its parent. */
    private void createDirectories(Path directory) throws IOException {
        if (Files.isDirectory(directory)) {
            return;
        }
        createDirectories(directory.getParent());
        try {
            Files.createDirectory(directory);
        } catch (FileAlreadyExistsException raced) {
            // made at once by another request, which may not have forced its name yet
        }
        sync.directory(directory.getParent());
    }

    /** The final path of a blob; refuses anything that is not a SHA-256 hex digest (no path ever comes from a client). */
    private Path path(String sha256) {
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a sha256 digest");
        }
        return root.resolve(sha256.substring(0, 2)).resolve(sha256.substring(2, 4)).resolve(sha256);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK ships SHA-256", e);
        }
    }
}
