package dev.msgbubbles.attachment;

import java.io.IOException;
import java.io.InputStream;

/**
 * Where attachment bytes live, content-addressed by their SHA-256: writing the same bytes twice stores them once.
 * Implementations must never leave a partial blob under a final name (write aside, then move) and must remove
 * whatever they wrote aside when a write fails or is refused.
 */
public interface BlobStore {

    /** A blob as stored. */
    record Blob(String sha256, long size) {
    }

    /** Thrown by {@link #put} when the stream holds more than the limit (nothing is kept). */
    final class TooLarge extends IOException {
        TooLarge(long limit) {
            super("more than " + limit + " bytes");
        }
    }

    /**
     * Thrown by {@link #put} when the store itself cannot write (a full disk, an I/O error, a missing directory):
     * an outage, not the client's doing and not a bug. Nothing is kept. Failures reading {@code in} are not this.
     */
    final class Unwritable extends IOException {
        public Unwritable(IOException cause) {
            super("the blob store cannot write: " + cause.getMessage(), cause);
        }
    }

    /** Stores everything {@code in} holds, up to {@code maxBytes}. */
    default Blob put(InputStream in, long maxBytes) throws IOException {
        return put(in, maxBytes, sha256 -> { });
    }

    /**
     * Stores everything {@code in} holds, up to {@code maxBytes}; {@code taking} is called with the digest once every
     * byte is in and before the store looks for that blob or moves it into place (the caller marks the blob in use
     * there, so that no removal of the same bytes can come between its arrival and the mark).
     */
    Blob put(InputStream in, long maxBytes, java.util.function.Consumer<String> taking) throws IOException;

    /** Reads {@code length} bytes from {@code offset} of a stored blob. */
    InputStream open(String sha256, long offset, long length) throws IOException;

    boolean exists(String sha256);

    /** The blob as a local file, when the store keeps one (tools such as ffmpeg read files). */
    default java.util.Optional<java.nio.file.Path> file(String sha256) {
        return java.util.Optional.empty();
    }

    /** A directory for scratch files next to the blobs (removed by whoever makes them). */
    java.nio.file.Path scratch();

    /**
     * Removes scratch files last changed before {@code before}: what a process that died mid-write (an upload, a
     * conversion) left there, since nothing else will. Answers how many it removed.
     */
    int sweepScratch(java.time.Instant before) throws IOException;

    /** A stored blob as {@link #list} finds it: its digest and when its file was last written. */
    record Listed(String sha256, java.time.Instant modified) {
    }

    /**
     * Up to {@code limit} stored blobs whose digests come after {@code after} (empty: from the first), in digest
     * order: for the sweep of blobs nothing refers to. Only the part of the store it reaches is read.
     */
    java.util.List<Listed> list(String after, int limit) throws IOException;

    /** Removes a blob no attachment refers to any more (absent is fine). */
    void delete(String sha256) throws IOException;
}
