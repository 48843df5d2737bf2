package dev.msgbubbles.http;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an endpoint answers. The dispatcher wraps {@link Data} and {@link Page} in the documented envelope
 * ({@code data}, {@code has_more}, {@code request_id}); {@link Raw} is sent as is (metrics text).
 */
record ApiResponse(int status, Payload payload, Map<String, String> headers) {

    sealed interface Payload {
    }

    record Data(Object data) implements Payload {
    }

    /**
     * A list. Paginated lists also carry {@code next_before}, the id cursor of the next page (null on the
     * last page); whole lists (numbers) carry only {@code has_more: false}.
     */
    record Page(List<?> data, boolean hasMore, boolean paginated, String nextBefore) implements Payload {
    }

    record Raw(String contentType, byte[] bytes) implements Payload {
    }

    /**
     * A response written over time (Server-Sent Events): {@code writer} writes and flushes until it returns (its
     * stream ended, the client went away, or the server is stopping).
     */
    record Streaming(String contentType, StreamWriter writer) implements Payload {
    }

    /** Writes a streaming body; an {@link java.io.IOException} means the client is gone. */
    @FunctionalInterface
    interface StreamWriter {
        void write(java.io.OutputStream out) throws java.io.IOException;
    }

    /** A page of an ordered stream (events): {@code next_after} is the cursor to resume from. */
    record CursorPage(List<?> data, boolean hasMore, long nextAfter) implements Payload {
    }

    /** The flat error body: {@code error}, {@code message}, optional {@code param}, {@code request_id}. */
    record Error(ErrorCode code, String message, String param) implements Payload {
    }

    static ApiResponse error(ApiException e) {
        return new ApiResponse(e.code().status(), new Error(e.code(), e.getMessage(), e.param().orElse(null)), Map.of());
    }

    /** The JSON document for this response, given the request id (not used for {@link Raw}). */
    Map<String, Object> body(String requestId) {
        Map<String, Object> body = new LinkedHashMap<>();
        switch (payload) {
            case Data data -> body.put("data", data.data());
            case Page page -> {
                body.put("data", page.data());
                body.put("has_more", page.hasMore());
                if (page.paginated()) {
                    body.put("next_before", page.nextBefore());
                }
            }
            case Error error -> {
                body.put("error", error.code().code());
                body.put("message", error.message());
                if (error.param() != null) {
                    body.put("param", error.param());
                }
            }
            case CursorPage stream -> {
                body.put("data", stream.data());
                body.put("has_more", stream.hasMore());
                body.put("next_after", stream.nextAfter());
            }
            case Raw raw -> throw new IllegalStateException("raw payloads have no JSON body");
            case Streaming streaming -> throw new IllegalStateException("streaming payloads have no JSON body");
        }
        body.put("request_id", requestId);
        return body;
    }

    static ApiResponse ok(Object data) {
        return new ApiResponse(200, new Data(data), Map.of());
    }

    static ApiResponse status(int status, Object data) {
        return new ApiResponse(status, new Data(data), Map.of());
    }

    static ApiResponse list(List<?> data) {
        return new ApiResponse(200, new Page(data, false, false, null), Map.of());
    }

    ApiResponse withHeader(String name, String value) {
        var merged = new java.util.LinkedHashMap<>(headers);
        merged.put(name, value);
        return new ApiResponse(status, payload, Map.copyOf(merged));
    }
}
