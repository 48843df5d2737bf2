package dev.msgbubbles.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.account.Principal;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * What an endpoint sees of a request, free of framework types: path parameters, single-valued query
 * parameters, headers, the caller and a size-bounded body. Body and JSON helpers throw the documented
 * 400/413 {@link ApiException}s.
 */
final class ApiRequest {

    /** Where the body bytes come from. */
    interface BodySource {
        OptionalLong declaredLength();

        InputStream open();
    }

    /** One part of a multipart body: its field name, file name (if it is a file) and bytes. */
    record Part(String name, Optional<String> fileName, InputStream content) {
    }

    private final String requestId;
    private final Principal principal;
    private final Map<String, String> pathParams;
    private final Map<String, List<String>> query;
    private final Function<String, List<String>> headers;
    private final BodySource bodySource;
    private final long maxBodyBytes;
    private byte[] body;

    ApiRequest(String requestId, Principal principal, Map<String, String> pathParams, Map<String, List<String>> query,
               Function<String, List<String>> headers, BodySource bodySource, long maxBodyBytes) {
        this.requestId = requestId;
        this.principal = principal;
        this.pathParams = pathParams;
        this.query = query;
        this.headers = headers;
        this.bodySource = bodySource;
        this.maxBodyBytes = maxBodyBytes;
    }

    String requestId() {
        return requestId;
    }

    /** The authenticated caller; only null on public (non-API) routes. */
    Principal principal() {
        return principal;
    }

    String pathParam(String name) {
        String value = pathParams.get(name);
        if (value == null) {
            throw new IllegalStateException("route has no path parameter " + name);
        }
        return value;
    }

    /** A query parameter given at most once (a repeated one is 400). */
    Optional<String> query(String name) {
        List<String> values = query.get(name);
        if (values == null || values.isEmpty()) {
            return Optional.empty();
        }
        if (values.size() > 1) {
            throw ApiException.invalid(name, "query parameter '" + name + "' may be given only once");
        }
        return Optional.of(values.getFirst());
    }

    /** The first value of header {@code name}. */
    Optional<String> header(String name) {
        return headers.apply(name).stream().findFirst();
    }

    /** Every value of header {@code name}, one per field line, in the order sent (empty when absent). */
    List<String> headerValues(String name) {
        return headers.apply(name);
    }

    /** The declared {@code Content-Length}, if any. */
    OptionalLong declaredLength() {
        return bodySource.declaredLength();
    }

    /** The body as a stream, for routes that take large bodies (uploads); read it once, instead of {@link #body}. */
    InputStream bodyStream() {
        return bodySource.open();
    }

    /**
     * The parts of a {@code multipart/form-data} body, each readable once, in order (400 for any other content type,
     * and for a boundary parameter that is missing or not RFC 2046's 1–70 characters). Read them in order: asking for
     * the next part skips what is left of the current one. A malformed body is a 400 as it is met.
     */
    java.util.Iterator<Part> parts() {
        String[] params = contentType().split(";");
        String boundary = null;
        for (int i = 1; i < params.length; i++) {
            String[] param = params[i].split("=", 2);
            if (param.length == 2 && param[0].strip().equalsIgnoreCase("boundary") && boundary == null) {
                String value = param[1].strip();
                boundary = value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")
                        ? value.substring(1, value.length() - 1) : value;
            }
        }
        if (!params[0].strip().equalsIgnoreCase("multipart/form-data") || boundary == null
                || !MultipartReader.validBoundary(boundary)) {
            throw ApiException.invalid(null, "Content-Type must be multipart/form-data with a boundary "
                    + "(1-70 characters: letters, digits, '()+_,-./:=? and inner spaces)");
        }
        return new MultipartReader(bodySource.open(), boundary);
    }

    /**
     * The raw body, read at most once and never beyond the configured limit (413 past it; a declared length over it
     * was refused by the dispatcher already).
     */
    byte[] body() {
        if (body != null) {
            return body;
        }
        // With a declared length (the usual case) read that many bytes: readNBytes(n) allocates min(n, 16 KiB) at a
        // time, so asking every request for the limit gave each a 16 KiB buffer and a copy (a quarter of the server's
        // allocation samples under the send load). A chunked body declares none: read up to the limit (and one byte more).
        OptionalLong declared = bodySource.declaredLength();
        int want = declared.isPresent() && declared.getAsLong() <= maxBodyBytes ? (int) declared.getAsLong()
                : (int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1);
        try (InputStream in = bodySource.open()) {
            byte[] bytes = in.readNBytes(want);
            if (bytes.length > maxBodyBytes) {
                throw tooLarge();
            }
            body = bytes;
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The body as {@code type}; requires {@code Content-Type: application/json} (UTF-8). */
    <T> T json(Class<T> type) {
        requireJson();
        return Json.read(body(), type);
    }

    JsonNode jsonTree() {
        requireJson();
        return Json.readTree(body());
    }

    /**
     * The one {@code Content-Type} of the body ("" when absent). Two are refused rather than read by the first: the
     * body would be JSON or not depending on their order.
     */
    private String contentType() {
        List<String> values = headerValues("Content-Type");
        if (values.size() > 1) {
            throw ApiException.invalid(null, "send exactly one Content-Type header");
        }
        return values.isEmpty() ? "" : values.getFirst();
    }

    private void requireJson() {
        String contentType = contentType();
        String[] parts = contentType.split(";");
        String media = parts[0].strip().toLowerCase(Locale.ROOT);
        if (!media.equals("application/json")) {
            throw ApiException.invalid(null, "Content-Type must be application/json");
        }
        for (int i = 1; i < parts.length; i++) {
            String[] param = parts[i].strip().split("=", 2);
            if (param[0].strip().equalsIgnoreCase("charset") && param.length == 2
                    && !param[1].strip().replace("\"", "").equalsIgnoreCase("utf-8")) {
                throw ApiException.invalid(null, "request bodies must be UTF-8");
            }
        }
        if (body().length == 0) {
            throw ApiException.invalid(null, "request body is required");
        }
    }

    private ApiException tooLarge() {
        return new ApiException(ErrorCode.PAYLOAD_TOO_LARGE, "request body exceeds " + maxBodyBytes + " bytes");
    }
}
