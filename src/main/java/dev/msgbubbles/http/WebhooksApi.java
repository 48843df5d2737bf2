package dev.msgbubbles.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.PageQuery;
import dev.msgbubbles.common.Timestamps;
import dev.msgbubbles.webhook.Deliveries;
import dev.msgbubbles.webhook.Webhooks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** {@code /v1/webhooks}: register, list, read, change, remove endpoints and rotate their secrets. */
final class WebhooksApi {
    static final Set<String> LIST_QUERY = Set.of("limit", "before");
    private static final Set<String> CHANGE_FIELDS = Set.of("url", "events", "enabled");

    /** The request body of a registration. */
    record CreateBody(String url, List<String> events) {
    }

    private final Webhooks webhooks;
    private final Deliveries deliveries;

    WebhooksApi(Webhooks webhooks, Deliveries deliveries) {
        this.webhooks = webhooks;
        this.deliveries = deliveries;
    }

    ApiResponse create(ApiRequest request) {
        Optional<String> key = IdempotencyKeyHeader.of(request);
        CreateBody body = request.json(CreateBody.class);
        String fingerprint = key.isPresent() ? Json.fingerprint(Json.readTree(request.body())) : null;
        if (body.url() == null) {
            throw ApiException.invalid("url", "url is required");
        }
        Webhooks.Result result = webhooks.register(new Webhooks.Registration(request.principal(), key.orElse(null),
                fingerprint, body.url(), body.events()));
        return switch (result) {
            case Webhooks.Created created -> ApiResponse.status(201, created.webhook());
            case Webhooks.Replayed replayed -> ApiResponse.ok(replayed.webhook()).withHeader("Idempotent-Replayed", "true");
        };
    }

    ApiResponse list(ApiRequest request) {
        PageQuery page = PageQuery.parse(request.query("limit"), request.query("before"));
        var result = webhooks.list(request.principal(), page);
        return new ApiResponse(200, new ApiResponse.Page(result.items(), result.hasMore(), true, result.nextBefore()), Map.of());
    }

    ApiResponse get(ApiRequest request) {
        return ApiResponse.ok(webhooks.get(request.principal(), MessagesApi.idOrNotFound(request.pathParam("id"), "webhook")));
    }

    /** PATCH: only the fields present change; {@code "events": null} subscribes to every event again. */
    ApiResponse change(ApiRequest request) {
        var id = MessagesApi.idOrNotFound(request.pathParam("id"), "webhook");
        JsonNode body = request.jsonTree();
        if (!body.isObject()) {
            throw ApiException.invalid(null, "the request body must be a JSON object");
        }
        for (var names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!CHANGE_FIELDS.contains(name)) {
                throw ApiException.invalid(name, "unknown field '" + name + "'; a change may set url, events and enabled");
            }
        }
        if (body.isEmpty()) {
            throw ApiException.invalid(null, "give at least one of url, events and enabled");
        }
        Optional<String> url = Optional.empty();
        if (body.has("url")) {
            if (!body.get("url").isTextual()) {
                throw ApiException.invalid("url", "url must be a string");
            }
            url = Optional.of(body.get("url").asText());
        }
        Optional<Optional<List<String>>> events = Optional.empty();
        if (body.has("events")) {
            JsonNode node = body.get("events");
            if (node.isNull()) {
                events = Optional.of(Optional.empty());
            } else if (node.isArray()) {
                List<String> names = new ArrayList<>();
                for (JsonNode item : node) {
                    if (!item.isTextual()) {
                        throw ApiException.invalid("events", "events must be an array of event type names, or null");
                    }
                    names.add(item.asText());
                }
                events = Optional.of(Optional.of(names));
            } else {
                throw ApiException.invalid("events", "events must be an array of event type names, or null");
            }
        }
        Optional<Boolean> enabled = Optional.empty();
        if (body.has("enabled")) {
            if (!body.get("enabled").isBoolean()) {
                throw ApiException.invalid("enabled", "enabled must be true or false");
            }
            enabled = Optional.of(body.get("enabled").asBoolean());
        }
        return ApiResponse.ok(webhooks.change(request.principal(), id, new Webhooks.Change(url, events, enabled)));
    }

    ApiResponse delete(ApiRequest request) {
        var id = MessagesApi.idOrNotFound(request.pathParam("id"), "webhook");
        MessagesApi.optionalEmptyBody(request); // checked before deleting: a refused request changes nothing
        webhooks.delete(request.principal(), id);
        return ApiResponse.ok(Map.of("id", id, "deleted", true));
    }

    /** The delivery log of an endpoint, newest first, each delivery with its attempts. */
    ApiResponse deliveries(ApiRequest request) {
        var id = MessagesApi.idOrNotFound(request.pathParam("id"), "webhook");
        PageQuery page = PageQuery.parse(request.query("limit"), request.query("before"));
        var result = deliveries.list(request.principal(), id, page);
        return new ApiResponse(200, new ApiResponse.Page(result.items(), result.hasMore(), true, result.nextBefore()), Map.of());
    }

    ApiResponse delivery(ApiRequest request) {
        return ApiResponse.ok(deliveries.get(request.principal(),
                MessagesApi.idOrNotFound(request.pathParam("id"), "webhook"),
                MessagesApi.idOrNotFound(request.pathParam("delivery_id"), "delivery")));
    }

    /** 202: the delivery is pending again and its attempt is queued. */
    ApiResponse retryDelivery(ApiRequest request) {
        MessagesApi.optionalEmptyBody(request);
        return ApiResponse.status(202, deliveries.retry(request.principal(),
                MessagesApi.idOrNotFound(request.pathParam("id"), "webhook"),
                MessagesApi.idOrNotFound(request.pathParam("delivery_id"), "delivery")));
    }

    /** The request body of a replay. */
    record ReplayBody(String since) {
    }

    /** 202: the replay is queued; its deliveries appear in the log as it runs. */
    ApiResponse replay(ApiRequest request) {
        var id = MessagesApi.idOrNotFound(request.pathParam("id"), "webhook");
        ReplayBody body = request.json(ReplayBody.class);
        if (body.since() == null) {
            throw ApiException.invalid("since", "since is required: replay the events from this time (ISO-8601)");
        }
        var since = Timestamps.parse(body.since()).orElseThrow(() ->
                ApiException.invalid("since", "since must be an ISO-8601 timestamp"));
        return ApiResponse.status(202, deliveries.replay(request.principal(), id, since));
    }

    /** Sends a test event now and answers with its delivery and attempt (200 whatever the endpoint answered). */
    ApiResponse test(ApiRequest request) {
        MessagesApi.optionalEmptyBody(request);
        return ApiResponse.ok(deliveries.test(request.principal(), MessagesApi.idOrNotFound(request.pathParam("id"), "webhook")));
    }

    /** A new secret; a body, which it does not take, must be empty (refused before the secret changes). */
    ApiResponse rotateSecret(ApiRequest request) {
        var id = MessagesApi.idOrNotFound(request.pathParam("id"), "webhook");
        MessagesApi.optionalEmptyBody(request);
        return ApiResponse.ok(webhooks.rotateSecret(request.principal(), id));
    }
}
