package dev.msgbubbles.http;

import dev.msgbubbles.attachment.AttachmentView;
import dev.msgbubbles.attachment.Attachments;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * {@code /v1/attachments}: multipart uploads, presigned uploads, reads; and the key-less signed links under
 * {@code /media/}: downloads (with ranges) and the presigned {@code PUT}.
 */
final class AttachmentsApi {
    static final Set<String> SIGNED_QUERY = Set.of("expires", "signature");
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AttachmentsApi.class);

    record PresignBody(String filename, String contentType) {
    }

    private final Attachments attachments;

    AttachmentsApi(Attachments attachments) {
        this.attachments = attachments;
    }

    /** {@code POST /v1/attachments}: every part with a file name is a file (up to the limit); 201 with the list. */
    ApiResponse upload(ApiRequest request) {
        Attachments.Limits limits = attachments.limits();
        if (request.declaredLength().isPresent()
                && request.declaredLength().getAsLong() > limits.maxRequestBytes() + ApiServer.MULTIPART_OVERHEAD) {
            throw new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "an upload is limited to " + limits.maxRequestBytes() + " bytes");
        }
        Iterator<ApiRequest.Part> parts = request.parts();
        try {
            return store(request, parts);
        } catch (Attachments.StorageUnavailable e) {
            return storageUnavailable(e);
        }
    }

    private ApiResponse store(ApiRequest request, Iterator<ApiRequest.Part> parts) {
        try (Attachments.Upload upload = attachments.upload(request.principal().accountId(), request.principal().mode())) {
            while (parts.hasNext()) {
                ApiRequest.Part part = parts.next();
                String field = part.name() == null || part.name().isEmpty() ? "file" : part.name();
                if (part.fileName().isEmpty()) {
                    throw ApiException.invalid(field, "unexpected form field '" + field + "': send files as parts with a "
                            + "filename (curl -F \"file=@photo.jpg\")");
                }
                String filename = part.fileName().get();
                InputStream in = part.content();
                if (Attachments.namesNoFile(filename)) {
                    // filename="" with no bytes is what a browser sends for a file input left empty: not a file, and
                    // not an error (the other inputs of the form still upload). Any other name that names no file
                    // (with bytes, or a bare "/" or "..") is refused rather than guessed.
                    if (filename.isEmpty() && noBytes(in)) {
                        continue;
                    }
                    throw ApiException.invalid(field, "the filename of part '" + field + "' names no file: send the "
                            + "file's name (curl -F \"file=@photo.jpg\")");
                }
                upload.add(field, filename, in);
            }
            List<AttachmentView> created = upload.finish();
            return ApiResponse.status(201, created);
        }
    }

    /**
     * The bytes could not be written (a full disk): an outage like the database's, one log line and no stack trace,
     * and an answer the client may retry as it is, since nothing of the request was kept.
     */
    private static ApiResponse storageUnavailable(Attachments.StorageUnavailable e) {
        LOG.warn("attachment storage unavailable: {}", e.getMessage());
        return ApiResponse.error(new ApiException(ErrorCode.UNAVAILABLE, "the file could not be stored (no room or an "
                + "I/O error on the server); nothing was kept. Retry later")).withHeader("Retry-After", "1");
    }

    private static boolean noBytes(InputStream in) {
        try {
            return in.read() < 0;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    ApiResponse presign(ApiRequest request) {
        PresignBody body = request.json(PresignBody.class);
        var presigned = attachments.presign(request.principal().accountId(), request.principal().mode(), body.filename(),
                body.contentType());
        return ApiResponse.status(201, presigned);
    }

    ApiResponse get(ApiRequest request) {
        UUID id = MessagesApi.idOrNotFound(request.pathParam("id"), "attachment");
        return ApiResponse.ok(attachments.get(request.principal().accountId(), request.principal().mode(), id));
    }

    /** {@code PUT /media/uploads/:id?expires&signature}: the bytes of a presigned attachment. */
    ApiResponse receive(ApiRequest request) {
        UUID id = MessagesApi.idOrNotFound(request.pathParam("id"), "attachment");
        try {
            return ApiResponse.ok(attachments.receiveUpload(id, request.query("expires").orElse(null),
                    request.query("signature").orElse(null), request.declaredLength(), request::bodyStream));
        } catch (Attachments.StorageUnavailable e) {
            return storageUnavailable(e);
        }
    }

    /**
     * {@code HEAD /media/attachments/:id?expires&signature}: what the {@code GET} would answer, headers only (RFC 9110
     * section 9.3.2: every general-purpose server supports HEAD where it supports GET). Download managers ask it for
     * the size and {@code Accept-Ranges} before they fetch the file in ranges.
     */
    ApiResponse head(ApiRequest request) {
        return download(request, false);
    }

    /**
     * A file name as an RFC 8187 {@code value-chars}: only attr-chars stay as they are. URLEncoder's form encoding is
     * close but not that: it writes a space as {@code +} and leaves {@code *}, which is no attr-char, as it is.
     */
    static String rfc8187(String filename) {
        return URLEncoder.encode(filename, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A");
    }

    /**
     * {@code GET /media/attachments/:id?expires&signature}: the bytes, or the one range asked for (206) unless an
     * {@code If-Range} comes with it.
     */
    ApiResponse download(ApiRequest request) {
        return download(request, true);
    }

    /** The answer to a download, with its bytes or (for {@code HEAD}) without them. */
    private ApiResponse download(ApiRequest request, boolean withBody) {
        UUID id = MessagesApi.idOrNotFound(request.pathParam("id"), "attachment");
        // A download carries no validator (no ETag, no Last-Modified), so no If-Range can match it: RFC 9110 section
        // 13.1.5 then has the Range ignored, and the whole file is the answer.
        String range = request.header("If-Range").isPresent() ? null : request.header("Range").orElse(null);
        Attachments.Download download;
        try {
            download = attachments.download(id, request.query("expires").orElse(null),
                    request.query("signature").orElse(null), range);
        } catch (Attachments.RangeNotSatisfiable e) {
            return ApiResponse.error(new ApiException(ErrorCode.RANGE_NOT_SATISFIABLE,
                    "the file has " + e.size() + " bytes")).withHeader("Content-Range", "bytes */" + e.size());
        }
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Length", Long.toString(download.length()));
        headers.put("Accept-Ranges", "bytes");
        headers.put("Cache-Control", "private, max-age=300");
        headers.put("X-Content-Type-Options", "nosniff");
        headers.put("Content-Disposition", "attachment; filename*=UTF-8''" + rfc8187(download.filename()));
        if (download.partial()) {
            headers.put("Content-Range", "bytes " + download.offset() + "-" + (download.offset() + download.length() - 1)
                    + "/" + download.totalSize());
        }
        InputStream body = download.body();
        if (!withBody) {
            try (body) {
                return new ApiResponse(download.partial() ? 206 : 200, new ApiResponse.Raw(download.mimeType(),
                        new byte[0]), headers);
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return new ApiResponse(download.partial() ? 206 : 200, new ApiResponse.Streaming(download.mimeType(), out -> {
            try (body) {
                body.transferTo(out);
            }
        }), headers);
    }
}
