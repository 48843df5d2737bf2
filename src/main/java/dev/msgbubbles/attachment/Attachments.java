package dev.msgbubbles.attachment;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Ids;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import org.apache.tika.Tika;
import org.jdbi.v3.core.Handle;

/**
 * Attachments of an account and mode: multipart uploads, presigned uploads, reads with fresh signed links,
 * downloads through those links (with ranges), and the single-use claim by a message. The content type is what
 * the bytes are (sniffed), never what the client says; unclaimed attachments expire after the staging time.
 */
public final class Attachments {
    /** Limits and lifetimes, from configuration. {@code allowedTypes} are media types or {@code type/*} patterns. */
    public record Limits(long maxFileBytes, long maxRequestBytes, int maxFiles, List<String> allowedTypes,
                         Duration staging, Duration linkTtl, Duration messageLinkTtl, long mmsMaxBytes) {
        public Limits {
            allowedTypes = List.copyOf(allowedTypes);
        }
    }

    /** What {@code POST /v1/attachments/presign} answers. */
    public record Presigned(UUID id, String uploadUrl, String method, Map<String, String> headers) {
    }

    /** The bytes of one download (a range of them for a 206): the caller must close {@code body}. */
    public record Download(String filename, String mimeType, long totalSize, long offset, long length, boolean partial,
                           InputStream body) {
    }

    /**
     * The blob store could not write an upload's bytes (a full disk, an I/O error): nothing of the upload was kept,
     * and the same request can be made again once there is room (503 {@code unavailable}, as for the database).
     */
    public static final class StorageUnavailable extends RuntimeException {
        StorageUnavailable(BlobStore.Unwritable cause) {
            super(cause.getMessage(), cause);
        }
    }

    /** A {@code Range} header that no part of the file satisfies (416). */
    public static final class RangeNotSatisfiable extends RuntimeException {
        private final long size;

        RangeNotSatisfiable(long size) {
            super("range not satisfiable", null, false, false);
            this.size = size;
        }

        public long size() {
            return size;
        }
    }

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Attachments.class);
    private static final int SNIFF_BYTES = 64 * 1024;
    private static final String OCTET_STREAM = "application/octet-stream";
    private static final int MAX_FILENAME = 255;
    /**
     * How long a hold lasts when its holder never gives it back (the process died): far longer than any upload
     * streams in or any send keeps converted media (its job's lease).
     */
    static final Duration HOLD = Duration.ofDays(1);

    private final Database db;
    private final Clock clock;
    private final BlobStore blobs;
    private final LinkSigner links;
    private final Limits limits;
    private final AttachmentStore store = new AttachmentStore();
    private final Tika tika = new Tika();
    private final MediaConverter converter;
    /**
     * Blobs an upload has written but not yet recorded, and blobs converted for sends not yet done with them, are
     * held in the database ({@link BlobHoldStore}), not in this process: several processes share one blob directory,
     * and one's removal (a refused upload, the purge, a send done with converted media) must not delete the bytes
     * another process is about to record or hand over.
     */
    private final BlobHoldStore holds = new BlobHoldStore();

    public Attachments(Database db, Clock clock, BlobStore blobs, LinkSigner links, Limits limits, MediaConverter converter) {
        this.converter = converter;
        this.db = db;
        this.clock = clock;
        this.blobs = blobs;
        this.links = links;
        this.limits = limits;
    }

    public Limits limits() {
        return limits;
    }

    /**
     * One multipart request: {@link #add} each file as it streams in, then {@link #finish}. Nothing is visible until
     * {@code finish} stores every attachment in one transaction; a request refused half-way leaves no attachment
     * (bytes already written that nothing else needs are removed when it is closed).
     */
    public final class Upload implements AutoCloseable {
        private final UUID accountId;
        private final Mode mode;
        private final List<Attachment> staged = new ArrayList<>();
        private final List<UUID> held = new ArrayList<>();
        private long total;
        private boolean finished;

        private Upload(UUID accountId, Mode mode) {
            this.accountId = accountId;
            this.mode = mode;
        }

        /** Stores one file part; {@code field} names it in errors. */
        public void add(String field, String filename, InputStream in) {
            if (staged.size() >= limits.maxFiles()) {
                throw ApiException.invalid(field, "at most " + limits.maxFiles() + " files per request");
            }
            long allowance = Math.min(limits.maxFileBytes(), limits.maxRequestBytes() - total);
            Stored stored = store(field, filename, in, allowance); // held until the upload ends
            held.add(stored.hold());
            total += stored.size();
            Instant now = clock.instant();
            staged.add(new Attachment(Ids.uuidV7(clock), accountId, mode, false, stored.filename(), stored.mimeType(),
                    stored.size(), stored.sha256(), null, now.plus(limits.staging()), now));
        }

        public List<AttachmentView> finish() {
            if (staged.isEmpty()) {
                throw ApiException.invalid("file", "at least one file part is required (multipart/form-data, field \"file\")");
            }
            // the rows and the end of their holds together: a removal's check sees the one or the other
            db.writeVoid(tx -> {
                staged.forEach(a -> store.insert(tx, a));
                holds.delete(tx, held);
            });
            finished = true;
            return staged.stream().map(Attachments.this::view).toList();
        }

        /**
         * Call when the request ends, whatever happened: if it was refused before {@link #finish}, the bytes it wrote
         * that no attachment refers to are removed.
         */
        public void close() {
            if (!finished && !held.isEmpty()) {
                release(held, staged.stream().map(Attachment::sha256).toList());
            }
        }
    }

    public Upload upload(UUID accountId, Mode mode) {
        return new Upload(accountId, mode);
    }

    /** A pending attachment and the signed {@code PUT} link its bytes go to. */
    public Presigned presign(UUID accountId, Mode mode, String filename, String contentType) {
        if (filename == null) {
            throw ApiException.invalid("filename", "filename is required");
        }
        if (namesNoFile(filename)) {
            throw ApiException.invalid("filename", "filename must name a file, such as demo.mp4");
        }
        if (contentType == null) {
            throw ApiException.invalid("content_type", "content_type is required");
        }
        String media = mediaType(contentType).orElseThrow(() ->
                ApiException.invalid("content_type", "content_type must be a media type such as video/mp4"));
        if (!allowed(media)) {
            throw ApiException.invalid("content_type", "content type " + media + " is not accepted; allowed: "
                    + String.join(", ", limits.allowedTypes()));
        }
        Instant now = clock.instant();
        // staged at least as long as its upload link works: a PUT through a link still good must find its attachment
        // (a staging time shorter than the link lifetime removed it first, and the bytes were refused with a 404)
        // (the link's expiry is a whole second, and it is good through that second)
        Duration linkLife = limits.linkTtl().plusSeconds(1);
        Duration staged = limits.staging().compareTo(linkLife) >= 0 ? limits.staging() : linkLife;
        Attachment pending = new Attachment(Ids.uuidV7(clock), accountId, mode, true, sanitise(filename), media, 0, null,
                null, now.plus(staged), now);
        db.writeVoid(tx -> store.insert(tx, pending));
        return new Presigned(pending.id(), links.uploadUrl(pending.id(), limits.linkTtl()), "PUT",
                Map.of("content-type", media));
    }

    /**
     * The bytes of a presigned upload, through its signed link. {@code body} is opened only once the link and the
     * attachment are found good (opening it tells a client waiting on {@code Expect: 100-continue} to send).
     */
    public AttachmentView receiveUpload(UUID id, String expires, String signature, OptionalLong declaredLength,
                                        java.util.function.Supplier<InputStream> body) {
        if (!links.valid(LinkSigner.UPLOAD, id, expires, signature)) {
            throw new ApiException(ErrorCode.FORBIDDEN, "this upload link is invalid or has expired");
        }
        Attachment pending = db.read(h -> store.findById(h, id)).orElseThrow(() -> ApiException.notFound("attachment"));
        if (!pending.pending()) {
            throw new ApiException(ErrorCode.CONFLICT, "the bytes of this attachment were already uploaded");
        }
        if (declaredLength.isPresent() && declaredLength.getAsLong() > limits.maxFileBytes()) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "a file is limited to " + limits.maxFileBytes() + " bytes");
        }
        Stored stored = store("body", pending.filename(), body.get(), limits.maxFileBytes()); // held
        boolean completed;
        try {
            completed = db.write(tx -> {
                boolean done = store.complete(tx, id, stored.mimeType(), stored.size(), stored.sha256(), clock.instant());
                holds.delete(tx, List.of(stored.hold()));
                return done;
            });
        } catch (RuntimeException e) {
            releaseQuietly(List.of(stored.hold()), stored.sha256());
            throw e;
        }
        if (!completed) {
            releaseBlob(stored.sha256());
            // either a second PUT got there first, or the attachment's staging time ran out while its bytes streamed
            // in and the expiry job removed it: that one is gone, as a PUT after it would be told
            if (db.read(h -> store.findById(h, id)).isEmpty()) {
                throw new ApiException(ErrorCode.NOT_FOUND, "attachment not found: its staging time ran out while its "
                        + "bytes were being uploaded; presign a new upload");
            }
            throw new ApiException(ErrorCode.CONFLICT, "the bytes of this attachment were already uploaded");
        }
        return view(db.read(h -> store.findById(h, id)).orElseThrow());
    }

    /** The caller's attachment with a freshly signed download link. */
    public AttachmentView get(UUID accountId, Mode mode, UUID id) {
        return view(db.read(h -> store.find(h, accountId, mode, id)).orElseThrow(() -> ApiException.notFound("attachment")));
    }

    /**
     * The bytes behind a signed download link: all of them, or the one range asked for ({@code bytes=a-b},
     * {@code bytes=a-}, {@code bytes=-n}); a range beyond the end is {@link RangeNotSatisfiable}; a malformed or
     * multi-range header is ignored (the whole file), as HTTP allows.
     */
    public Download download(UUID id, String expires, String signature, String range) {
        if (!links.valid(LinkSigner.DOWNLOAD, id, expires, signature)) {
            throw new ApiException(ErrorCode.FORBIDDEN, "this download link is invalid or has expired");
        }
        Attachment a = db.read(h -> store.findById(h, id)).filter(found -> !found.pending())
                .orElseThrow(() -> ApiException.notFound("attachment"));
        long size = a.sizeBytes();
        long[] span = range(range, size);
        try {
            long offset = span == null ? 0 : span[0];
            long length = span == null ? size : span[1] - span[0] + 1;
            return new Download(a.filename(), a.mimeType(), size, offset, length, span != null,
                    blobs.open(a.sha256(), offset, length));
        } catch (IOException e) {
            throw new UncheckedIOException("attachment " + id + " has no readable bytes", e);
        }
    }

    /**
     * Before a send's transaction: every id must be the caller's, uploaded, unclaimed and unexpired, and listed once
     * (400 {@code invalid_attachments} naming the first that is not). The claim in the transaction decides for good.
     */
    public List<Attachment> checkClaimable(UUID accountId, Mode mode, List<UUID> ids) {
        Set<UUID> seen = new HashSet<>();
        Instant now = clock.instant();
        return db.read(h -> {
            List<Attachment> claimable = new ArrayList<>();
            for (UUID id : ids) {
                if (!seen.add(id)) {
                    throw invalid(id, "is listed twice");
                }
                Optional<Attachment> found = store.find(h, accountId, mode, id);
                if (found.isEmpty()) {
                    throw invalid(id, "is unknown");
                }
                Attachment a = found.get();
                if (a.pending()) {
                    throw invalid(id, "has no bytes: its presigned upload never arrived");
                }
                if (a.messageId() != null) {
                    throw invalid(id, "is already used by another message");
                }
                if (!a.expiresAt().isAfter(now)) {
                    throw invalid(id, "has expired");
                }
                claimable.add(a);
            }
            return claimable;
        });
    }

    /**
     * Binds the attachments to {@code messageId} in the caller's transaction, in the order given; 400
     * {@code invalid_attachments} (the caller's transaction must then roll back) when one cannot be claimed any
     * more, e.g. because a concurrent send claimed it first. Answers the attachment objects, with links valid for
     * the message-link lifetime (they travel in the message object and its events).
     */
    public List<AttachmentView> claim(Handle tx, UUID accountId, Mode mode, List<UUID> ids, UUID messageId) {
        Instant now = clock.instant();
        for (int i = 0; i < ids.size(); i++) {
            if (!store.claim(tx, accountId, mode, ids.get(i), messageId, i, now)) {
                throw invalid(ids.get(i), "is unknown, already used or expired");
            }
        }
        return messageObjects(tx, messageId);
    }

    /**
     * The attachment objects of message {@code messageId}, in its order, their links signed now for the message-link
     * lifetime: as a message lists them when it is created, and again when it goes out long after that (see the
     * message feature's {@code AttachmentLinks}).
     */
    public List<AttachmentView> messageObjects(Handle tx, UUID messageId) {
        return store.ofMessage(tx, messageId).stream().map(a -> view(a, limits.messageLinkTtl())).toList();
    }

    /** The attachments a message claimed, in its order. */
    public List<Attachment> ofMessage(UUID messageId) {
        return db.read(h -> store.ofMessage(h, messageId));
    }

    /** Bytes converted for one send, and the hold that keeps them until the send {@link #discardConverted discards} them. */
    public record Converted(BlobStore.Blob blob, UUID hold) {
    }

    /**
     * Converts an attachment's bytes for a channel (see {@link MediaConverter}); images to at most the MMS limit. The
     * result is held for the caller until it {@link #discardConverted discards} it: conversions are deterministic, so
     * sends of the same media (a voice memo sent to many contacts, by any process) make the same blob, and one send
     * done with it must not remove it under another. The hold is taken before the converted bytes are looked for or
     * moved into place (see {@link BlobHoldStore}).
     */
    public Converted convert(Attachment attachment, MediaConverter.Target target) throws MediaConverter.Failure {
        UUID[] held = {null};
        String[] sha = {null};
        boolean kept = false;
        try {
            BlobStore.Blob blob = converter.convert(attachment.sha256(), target, limits.mmsMaxBytes(), taken -> {
                held[0] = hold(taken);
                sha[0] = taken;
            });
            kept = true;
            return new Converted(blob, held[0]);
        } finally {
            if (!kept && held[0] != null) {
                releaseQuietly(List.of(held[0]), sha[0]);
            }
        }
    }

    /** The bytes of a blob (an attachment's, or one converted from it). */
    public InputStream open(String sha256) throws IOException {
        return blobs.open(sha256, 0, Long.MAX_VALUE);
    }

    /** Removes expired unclaimed attachments (at most {@code limit}) and the blobs no attachment refers to any more. */
    public int purgeExpired(int limit) {
        List<Attachment> removed = db.write(tx -> store.deleteExpired(tx, clock.instant(), limit));
        removed.stream().map(Attachment::sha256).filter(java.util.Objects::nonNull).distinct().forEach(this::releaseBlob);
        return removed.size();
    }

    /** Removes holds whose holder died without giving them back (at most {@code limit}); answers how many. */
    public int purgeExpiredHolds(int limit) {
        return db.write(tx -> holds.deleteExpired(tx, clock.instant(), limit));
    }

    /** What one {@link #sweepUnreferenced} pass did, and where the next one starts. */
    public record Sweep(int examined, int removed, String next) {
    }

    /**
     * Removes blobs no attachment names, no hold keeps and that are older than {@code before}: what a process that died
     * between writing an upload's bytes and recording them left (nothing else ever removes those). Looks at most at
     * {@code limit} blobs, in digest order after {@code after}, going round to the first once past the last; the
     * answer's {@code next} is where the next pass starts. A blob written moments ago is younger than {@code before}
     * and held besides, so an upload in flight, in any process, is never touched.
     */
    public Sweep sweepUnreferenced(String after, int limit, Instant before) {
        List<BlobStore.Listed> seen;
        try {
            seen = new ArrayList<>(blobs.list(after, limit));
            if (seen.size() < limit && !after.isEmpty()) {
                for (BlobStore.Listed wrapped : blobs.list("", limit - seen.size())) {
                    if (wrapped.sha256().compareTo(after) > 0) {
                        break; // round to where this pass began
                    }
                    seen.add(wrapped);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int removed = 0;
        for (BlobStore.Listed blob : seen) {
            if (blob.modified().isBefore(before) && releaseBlob(blob.sha256())) {
                removed++;
            }
        }
        return new Sweep(seen.size(), removed, seen.isEmpty() ? "" : seen.get(seen.size() - 1).sha256());
    }

    /**
     * Removes scratch files untouched since {@code before} (left by a process that died writing them); a write in
     * progress touches its file all along.
     */
    public int sweepScratch(Instant before) {
        try {
            return blobs.sweepScratch(before);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Drops bytes converted for one send once the backend has taken them (kept while another send, in any process,
     * holds the same, or an attachment has them). Never throws: it runs between the backend's answer and the record of
     * it, and a failure here (the database gone for a moment) must not lose that record, which would send again. What
     * it could not drop stays until its hold expires and the purge removes it.
     */
    public void discardConverted(Converted converted) {
        releaseQuietly(List.of(converted.hold()), converted.blob().sha256());
    }

    /** Holds blob {@code sha} for this caller (see {@link BlobHoldStore}): committed when this returns. */
    private UUID hold(String sha) {
        UUID id = UUID.randomUUID();
        db.writeVoid(tx -> {
            holds.lock(tx, sha);
            holds.insert(tx, id, sha, clock.instant().plus(HOLD));
        });
        return id;
    }

    /** Gives {@code given} holds back and deletes those of {@code shas} that nothing needs any more. */
    private void release(List<UUID> given, List<String> shas) {
        List<String> each = shas.stream().distinct().sorted().toList(); // locks in increasing order
        db.writeVoid(tx -> {
            holds.delete(tx, given);
            for (String sha : each) {
                deleteUnneeded(tx, sha);
            }
        });
    }

    /** {@link #release}, for a path that already answers with another failure: logs its own. */
    private void releaseQuietly(List<UUID> given, String sha) {
        try {
            release(given, List.of(sha));
        } catch (RuntimeException e) {
            // the first failure is the answer; a blob left behind only takes room until its hold expires and the purge
            LOG.warn("could not give back a blob hold: {}", e.toString());
        }
    }

    /**
     * Deletes a blob unless an attachment refers to it or a hold on it is live, in any process; answers whether it
     * deleted it. The check and the delete run under the blob's lock, which every hold is taken under (see
     * {@link BlobHoldStore}). Package-private for a test that runs it between an upload's write and its hold.
     */
    boolean releaseBlob(String sha) {
        if (db.read(h -> holds.needed(h, sha, clock.instant()))) {
            return false; // the common case, without a write transaction; decided again under the lock below
        }
        return db.write(tx -> deleteUnneeded(tx, sha));
    }

    private boolean deleteUnneeded(Handle tx, String sha) {
        holds.lock(tx, sha);
        if (holds.needed(tx, sha, clock.instant())) {
            return false;
        }
        try {
            blobs.delete(sha);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return true;
    }

    private static ApiException invalid(UUID id, String why) {
        return new ApiException(ErrorCode.INVALID_ATTACHMENTS, "attachment " + id + " " + why, "attachment_ids");
    }

    private AttachmentView view(Attachment a) {
        return view(a, limits.linkTtl());
    }

    private AttachmentView view(Attachment a, Duration ttl) {
        return new AttachmentView(a.id(), a.filename(), a.mimeType(), a.sizeBytes(),
                a.pending() ? null : links.downloadUrl(a.id(), ttl), a.messageId(), a.createdAt());
    }

    /** A file as stored: its blob, sniffed type and clean name, and the hold that keeps the blob until it is recorded. */
    private record Stored(String sha256, long size, String mimeType, String filename, UUID hold) {
    }

    /**
     * Sniffs and stores one file. The stored blob comes back held (see {@link BlobHoldStore}): the hold is taken
     * before the store looks for the blob or moves it into place, under the lock a removal deletes under, so a removal
     * of the same bytes running at that moment, in any process, either deletes before (and the store moves the new
     * bytes in) or sees the hold. A refused file gives its hold back and its bytes are removed unless something else
     * has them.
     */
    private Stored store(String field, String filename, InputStream raw, long allowance) {
        String name = sanitise(filename);
        String[] held = {null};
        UUID[] hold = {null};
        boolean kept = false;
        try {
            BufferedInputStream in = new BufferedInputStream(raw, SNIFF_BYTES);
            String media = sniff(in, name);
            if (!allowed(media)) {
                throw ApiException.invalid(field, "content type " + media + " (from the file's bytes) is not accepted; "
                        + "allowed: " + String.join(", ", limits.allowedTypes()));
            }
            BlobStore.Blob blob = blobs.put(in, allowance, sha -> {
                hold[0] = hold(sha);
                held[0] = sha;
            });
            if (blob.size() == 0) {
                throw ApiException.invalid(field, "the file is empty");
            }
            kept = true;
            return new Stored(blob.sha256(), blob.size(), media, name, hold[0]);
        } catch (BlobStore.Unwritable e) {
            throw new StorageUnavailable(e);
        } catch (BlobStore.TooLarge e) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "a file is limited to " + limits.maxFileBytes()
                    + " bytes and a request to " + limits.maxRequestBytes(), field);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            if (!kept && held[0] != null) {
                // the refusal is the answer; bytes that could not be removed now only take room until the purge
                releaseQuietly(List.of(hold[0]), held[0]);
            }
        }
    }

    /**
     * The type of the bytes at the start of {@code in} (left unread). The name may only refine a type the bytes
     * already show (text that is CSV, a ZIP that is a DOCX): bytes Tika cannot place stay
     * {@code application/octet-stream}, since Tika would otherwise take the type from the name alone, and the name
     * is the client's word, as a declared type is.
     */
    private String sniff(BufferedInputStream in, String name) throws IOException {
        in.mark(SNIFF_BYTES);
        String byBytes = tika.detect(in);
        in.reset();
        if (byBytes.equals(OCTET_STREAM)) {
            return OCTET_STREAM;
        }
        in.mark(SNIFF_BYTES);
        String byBytesAndName = tika.detect(in, name);
        in.reset();
        return mediaType(byBytesAndName).or(() -> mediaType(byBytes)).orElse(OCTET_STREAM);
    }

    private boolean allowed(String media) {
        for (String pattern : limits.allowedTypes()) {
            if (pattern.equals("*/*") || pattern.equals(media)
                    || (pattern.endsWith("/*") && media.startsWith(pattern.substring(0, pattern.length() - 1)))) {
                return true;
            }
        }
        return false;
    }

    /** {@code type/subtype} in lower case without parameters, if {@code value} is one. */
    static Optional<String> mediaType(String value) {
        String media = value.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
        return media.matches("[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}")
                ? Optional.of(media) : Optional.empty();
    }

    /**
     * Nothing is left of {@code filename} once its directories are taken off: empty, "." or "..". Such a name is
     * refused rather than guessed (a multipart part's empty name without bytes is an empty file input: the caller's
     * to skip).
     */
    public static boolean namesNoFile(String filename) {
        String last = filename.substring(Math.max(filename.lastIndexOf('/'), filename.lastIndexOf('\\')) + 1).strip();
        return last.isEmpty() || last.equals(".") || last.equals("..");
    }

    /**
     * A file name safe to store and to send back in {@code Content-Disposition}: the last path segment only, no
     * control characters, at most 255 characters; {@code file} when nothing is left.
     */
    static String sanitise(String filename) {
        String name = filename == null ? "" : filename;
        int slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
        name = name.substring(slash + 1);
        StringBuilder clean = new StringBuilder();
        name.codePoints().filter(c -> !Character.isISOControl(c) && c != '"' && Character.getType(c) != Character.FORMAT)
                .forEach(clean::appendCodePoint);
        String result = clean.toString().strip();
        while (result.startsWith(".")) {
            result = result.substring(1);
        }
        if (result.codePointCount(0, result.length()) > MAX_FILENAME) {
            result = result.substring(0, result.offsetByCodePoints(0, MAX_FILENAME));
        }
        return result.isEmpty() ? "file" : result;
    }

    /** One byte-range-spec, RFC 9110 section 14.1.2: {@code first-last}, {@code first-} or {@code -suffix}, digits only. */
    private static final java.util.regex.Pattern BYTE_RANGE = java.util.regex.Pattern.compile("(\\d*)-(\\d*)");

    /**
     * {@code [first, last]} of a single satisfiable byte range, null for none (the whole file). The unit is compared
     * case-insensitively and positions are digits only (RFC 9110 section 14.1); a position too large for a long is as
     * good as the largest one (past any file's end). Anything malformed is ignored rather than refused.
     */
    static long[] range(String header, long size) {
        if (header == null || !header.regionMatches(true, 0, "bytes=", 0, 6) || header.indexOf(',') >= 0) {
            return null;
        }
        java.util.regex.Matcher spec = BYTE_RANGE.matcher(header.substring(6).strip());
        if (!spec.matches() || (spec.group(1).isEmpty() && spec.group(2).isEmpty())) {
            return null;
        }
        if (spec.group(1).isEmpty()) {
            long suffix = position(spec.group(2));
            if (suffix == 0 || size == 0) {
                throw new RangeNotSatisfiable(size);
            }
            return new long[] {Math.max(0, size - suffix), size - 1};
        }
        long first = position(spec.group(1));
        long last = spec.group(2).isEmpty() ? Long.MAX_VALUE : position(spec.group(2));
        if (last < first) {
            return null;
        }
        if (first >= size) {
            throw new RangeNotSatisfiable(size);
        }
        return new long[] {first, Math.min(last, size - 1)};
    }

    /** A range position (digits), saturated at {@link Long#MAX_VALUE}. */
    private static long position(String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException tooLarge) {
            return Long.MAX_VALUE;
        }
    }
}
