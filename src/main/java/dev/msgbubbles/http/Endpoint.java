package dev.msgbubbles.http;

/** One route's behaviour: parse the request, call one use case, map the result. */
@FunctionalInterface
interface Endpoint {
    ApiResponse handle(ApiRequest request);
}
