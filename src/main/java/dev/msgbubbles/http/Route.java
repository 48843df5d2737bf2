package dev.msgbubbles.http;

import java.util.List;
import java.util.Set;

/**
 * One row of the route table. {@code template} segments written {@code {name}} are path parameters;
 * {@code query} lists the query parameters the route accepts (any other is 400); {@code api} routes require a
 * key and count against its rate limit, the others are operational (health, metrics); {@code streamsUploads} routes
 * take bodies up to the attachment limit, every other route is held to the body limit.
 */
record Route(String method, String template, Set<String> query, boolean api, boolean streamsUploads, Endpoint endpoint) {

    Route {
        if (api != template.startsWith("/v1/")) {
            throw new IllegalArgumentException("API routes, and only they, live under /v1/: " + template);
        }
    }

    static Route api(String method, String template, Set<String> query, Endpoint endpoint) {
        return new Route(method, template, query, true, false, endpoint);
    }

    static Route ops(String method, String template, Endpoint endpoint) {
        return new Route(method, template, Set.of(), false, false, endpoint);
    }

    /** A key-less route whose signed query ({@code query}) is its authorisation (media links). */
    static Route signed(String method, String template, Set<String> query, Endpoint endpoint) {
        return new Route(method, template, query, false, false, endpoint);
    }

    /** This route, taking large streamed bodies (attachment uploads) instead of being held to the body limit. */
    Route asUpload() {
        return new Route(method, template, query, api, true, endpoint);
    }

    List<String> segments() {
        return List.of(template.substring(1).split("/"));
    }
}
