package dev.msgbubbles.attachment;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Prepares media for a channel with ffmpeg (the {@code ffmpeg} on the PATH, or {@code MSGBUBBLES_FFMPEG}): voice
 * notes become Opus in CAF (iMessage) or Opus in OGG (WhatsApp); images too large for MMS are scaled down to JPEG.
 * Each result is stored as a blob of its own. Runs in the send job, never in a request. A missing ffmpeg, a file
 * it cannot read, a picture over {@link #MAX_PIXELS}, or a conversion over its {@link #budget} is a {@link Failure}
 * naming the cause.
 */
public final class MediaConverter {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MediaConverter.class);
    static final Duration TIMEOUT = Duration.ofSeconds(120);

    /**
     * How long one conversion (all its ffmpeg runs) may take: {@link #TIMEOUT}, or half the send job's lease when
     * that is shorter. The send job holds its lease through the conversion and the send after it; a job whose lease
     * runs out is claimed by another worker, which would convert and send again beside it.
     */
    public static Duration budget(Duration jobLease) {
        Duration half = jobLease.dividedBy(2);
        return half.compareTo(TIMEOUT) < 0 ? half : TIMEOUT;
    }
    /**
     * The most pixels (width × height) ffmpeg is let decode in one picture: 100 megapixels, well over any phone
     * camera's photo (12–50 MP) and a 10,000 × 10,000 scan. A picture's size is declared in its header, so a file of a
     * few kilobytes (a PNG of one colour) can declare 16,000 × 16,000 and have ffmpeg allocate gigabytes to decode it
     * (the most ffmpeg decodes of itself is about 268 megapixels, at up to 8 bytes each). Given as the decoder's
     * {@code -max_pixels}, before {@code -i}, so the check comes before the allocation; a larger picture is a
     * {@link Failure} saying so.
     */
    public static final long MAX_PIXELS = 100_000_000L;
    /** How ffmpeg reports a picture over {@code -max_pixels}: "Picture size 12000x10000 exceeds specified max pixel count". */
    /** ffmpeg's words (strerror of ENOSPC and EDQUOT) when it cannot write its output: the server's disk is full. */
    private static final Pattern OUT_OF_SPACE = Pattern.compile("No space left on device|Disk quota exceeded");
    private static final Pattern OVER_MAX_PIXELS = Pattern.compile("Picture size (\\d+x\\d+) exceeds specified max pixel count");
    /** Widths tried in turn until an image fits the MMS limit. */
    private static final int[] WIDTHS = {1600, 1280, 1024, 800, 640, 480, 320};

    /** What a channel wants of one attachment. */
    public enum Target {
        /** iMessage voice memo: Opus in a CAF container. */
        IMESSAGE_VOICE("audio/x-caf", "caf"),
        /** WhatsApp voice message: Opus in an OGG container. */
        WHATSAPP_VOICE("audio/ogg", "ogg"),
        /** An image small enough for MMS: JPEG. */
        MMS_IMAGE("image/jpeg", "jpg");

        private final String mimeType;
        private final String extension;

        Target(String mimeType, String extension) {
            this.mimeType = mimeType;
            this.extension = extension;
        }

        public String mimeType() {
            return mimeType;
        }

        String extension() {
            return extension;
        }
    }

    /**
     * A conversion that could not be done; {@code getMessage()} says why, for the message's error. {@link #storage}:
     * the server's own storage failed (a full disk), not the media, and the same conversion may work later.
     */
    public static final class Failure extends Exception {
        private final boolean storage;

        Failure(String message) {
            this(message, false);
        }

        Failure(String message, boolean storage) {
            super(message, null, false, false);
            this.storage = storage;
        }

        public boolean storage() {
            return storage;
        }
    }

    private final String ffmpeg;
    private final BlobStore blobs;
    private final Duration timeout;

    public MediaConverter(String ffmpeg, BlobStore blobs) {
        this(ffmpeg, blobs, TIMEOUT);
    }

    /** {@code timeout}: how long one conversion, all its ffmpeg runs together, may take (see {@link #budget}). */
    public MediaConverter(String ffmpeg, BlobStore blobs, Duration timeout) {
        this.ffmpeg = ffmpeg;
        this.blobs = blobs;
        this.timeout = timeout;
    }

    /** Converts blob {@code sha256} for {@code target}; for {@link Target#MMS_IMAGE} into at most {@code maxBytes}. */
    public BlobStore.Blob convert(String sha256, Target target, long maxBytes) throws Failure {
        return convert(sha256, target, maxBytes, result -> { });
    }

    /**
     * {@link #convert(String, Target, long)}, calling {@code taking} with the result's digest before the store looks
     * for that blob or moves it into place (see {@link BlobStore#put(InputStream, long, java.util.function.Consumer)}).
     */
    public BlobStore.Blob convert(String sha256, Target target, long maxBytes, java.util.function.Consumer<String> taking)
            throws Failure {
        Path input = blobs.file(sha256).orElseThrow(() -> new Failure("the attachment's bytes are missing"));
        Path output = null;
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            output = Files.createTempFile(blobs.scratch(), "convert-", "." + target.extension());
            switch (target) {
                case IMESSAGE_VOICE -> run(input, output, deadline, List.of("-vn", "-ac", "1", "-c:a", "libopus", "-b:a", "32k", "-f", "caf"));
                case WHATSAPP_VOICE -> run(input, output, deadline, List.of("-vn", "-ac", "1", "-c:a", "libopus", "-b:a", "32k", "-f", "ogg"));
                case MMS_IMAGE -> {
                    for (int width : WIDTHS) {
                        run(input, output, deadline, List.of("-frames:v", "1", "-vf", mmsImage(width), "-q:v", "5",
                                "-f", "image2", "-c:v", "mjpeg"));
                        if (Files.size(output) <= maxBytes) {
                            break;
                        }
                    }
                    if (Files.size(output) > maxBytes) {
                        throw new Failure("the image cannot be made smaller than " + maxBytes + " bytes for MMS");
                    }
                }
            }
            try (InputStream in = Files.newInputStream(output)) {
                return blobs.put(in, Long.MAX_VALUE, taking);
            }
        } catch (IOException e) {
            // scratch files, the output's size, storing the result: the server's own files, never the media's fault
            // its message names the server's paths: the operator's log has it, the message's error does not
            LOG.warn("converting {} to {} failed: {}", sha256, target, e.toString());
            throw new Failure("conversion failed: the server could not read or store its files", true);
        } finally {
            if (output != null) {
                try {
                    Files.deleteIfExists(output);
                } catch (IOException ignored) {
                    // a scratch file; the next start's blob store does not depend on it
                }
            }
        }
    }

    /**
     * The filters of an MMS image at most {@code width} wide. JPEG has no alpha channel, so a transparent picture (a
     * logo, a sticker) is laid on white, as phones show it; dropping the alpha instead showed whatever colour the
     * invisible pixels hold, often black. On white, a pixel is {@code 255 - (255 - c) * alpha}: negated, premultiplied
     * by its alpha, negated back (an opaque pixel is unchanged). The result is 4:2:0, as JPEG photos are (an RGB
     * picture would be 4:4:4: larger, and not every phone decodes it).
     */
    private static String mmsImage(int width) {
        return "scale='min(" + width + ",iw)':-2,format=rgba,negate,premultiply=inplace=1,negate,format=yuvj420p";
    }

    /**
     * Runs ffmpeg once, killed at {@code deadline} ({@link System#nanoTime}). Its output goes to a scratch file, not
     * a pipe: a pipe would have to be read to its end, which comes only when ffmpeg exits, so a run that hangs would
     * never reach the deadline.
     */
    private void run(Path input, Path output, long deadline, List<String> options) throws Failure, IOException {
        List<String> command = new ArrayList<>(List.of(ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
                "-max_pixels", Long.toString(MAX_PIXELS), "-i", input.toString()));
        command.addAll(options);
        command.add(output.toString());
        Path log = Files.createTempFile(blobs.scratch(), "ffmpeg-", ".log");
        try {
            Process process;
            try {
                process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
                process.getOutputStream().close(); // ffmpeg reads nothing from us (-nostdin)
            } catch (IOException e) {
                throw new Failure("ffmpeg is not available (" + ffmpeg + "): install it (apt-get install ffmpeg) or set "
                        + "MSGBUBBLES_FFMPEG");
            }
            try {
                if (!process.waitFor(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                    process.destroyForcibly();
                    throw new Failure("ffmpeg took longer than " + timeout.toMillis() / 1000.0 + " s");
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new Failure("interrupted");
            }
            if (process.exitValue() != 0) {
                String said;
                try (InputStream in = Files.newInputStream(log)) {
                    said = new String(in.readNBytes(4096), StandardCharsets.UTF_8).strip();
                }
                if (OUT_OF_SPACE.matcher(said).find()) {
                    // writing its output into the server's scratch directory failed: the server's disk, not the media;
                    // the same conversion works once there is room, so the send waits (within its retry window)
                    LOG.warn("converting {} failed: ffmpeg found the disk full ({})", input.getFileName(),
                            said.lines().findFirst().orElse(""));
                    throw new Failure("conversion failed: the server could not store its files", true);
                }
                Matcher over = OVER_MAX_PIXELS.matcher(said);
                if (over.find()) {
                    throw new Failure("the image is " + over.group(1) + " pixels, over the " + MAX_PIXELS / 1_000_000
                            + " megapixels this server decodes");
                }
                // its words become the message's error: not the server's paths, nor a decoder's address in memory
                String first = said.lines().findFirst().orElse("no output")
                        .replace(input.toString(), "the file").replace(output.toString(), "the output")
                        .replaceAll(" @ 0x[0-9a-fA-F]+", "");
                throw new Failure("ffmpeg could not convert the file: " + first);
            }
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
