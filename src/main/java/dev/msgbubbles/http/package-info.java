/**
 * The HTTP edge and the ONLY package that imports the web framework (Helidon SE). One table ({@link
 * dev.msgbubbles.http.ApiRoutes}) lists every route; one dispatcher applies request ids, authentication, rate
 * limits, body limits, strict JSON, the envelope and the single error mapping; per-resource classes
 * ({@code *Api}) parse, call one use case and map the result. May import every feature package; nothing
 * imports it except the composition root.
 */
package dev.msgbubbles.http;
