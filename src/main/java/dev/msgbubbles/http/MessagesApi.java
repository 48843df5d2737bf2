package dev.msgbubbles.http;

import com.fasterxml.jackson.databind.util.RawValue;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.Handle;
import dev.msgbubbles.common.Ids;
import dev.msgbubbles.common.PageQuery;
import dev.msgbubbles.common.Timestamps;
import dev.msgbubbles.message.Message;
import dev.msgbubbles.message.MessageStatus;
import dev.msgbubbles.message.Messaging;
import dev.msgbubbles.message.SendMessage;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** {@code /v1/messages}: send, list, fetch. */
final class MessagesApi {
    static final Set<String> LIST_QUERY = Set.of("conversation_id", "limit", "before", "status", "direction", "to");

    /** The request body of a send, exactly the documented fields plus the extensions. */
    record SendBody(String to, String fromHandle, UUID conversationId, String text, List<UUID> attachmentIds,
                    UUID replyTo, String effect, String channel, Boolean voiceMemo, String scheduledAt,
                    Map<String, String> metadata) {
    }

    private final Messaging messaging;
    private final Runnable wakeWorkers;

    MessagesApi(Messaging messaging, Runnable wakeWorkers) {
        this.messaging = messaging;
        this.wakeWorkers = wakeWorkers;
    }

    ApiResponse send(ApiRequest request) {
        Optional<String> key = IdempotencyKeyHeader.of(request);
        SendBody body = request.json(SendBody.class);
        // The canonical fingerprint only matters when there is a key to compare it under.
        String fingerprint = key.isPresent() ? Json.fingerprint(Json.readTree(request.body())) : null;
        var scheduledAt = body.scheduledAt() == null ? null : Timestamps.parse(body.scheduledAt()).orElseThrow(() ->
                ApiException.invalid("scheduled_at", "scheduled_at must be an ISO-8601 timestamp"));
        SendMessage.Result result = messaging.send().send(new SendMessage.Command(request.principal(), key.orElse(null),
                fingerprint, body.to(), body.fromHandle(), body.conversationId(), body.text(), body.attachmentIds(),
                body.replyTo(), body.effect(), body.channel(), body.voiceMemo(), scheduledAt, body.metadata()));
        return switch (result) {
            case SendMessage.Created created -> {
                wakeWorkers.run();
                yield ApiResponse.status(202, new RawValue(created.json())); // the object as serialised for its event
            }
            case SendMessage.Replayed replayed -> ApiResponse.ok(replayed.message()).withHeader("Idempotent-Replayed", "true");
        };
    }

    ApiResponse list(ApiRequest request) {
        PageQuery page = PageQuery.parse(request.query("limit"), request.query("before"));
        var filter = new dev.msgbubbles.message.Messages.Filter(
                request.query("conversation_id").map(v -> uuid(v, "conversation_id")).orElse(null),
                request.query("status").map(v -> MessageStatus.fromWire(v).orElseThrow(() ->
                        ApiException.invalid("status", "status must be one of " + MessageStatus.WIRE_NAMES)))
                        .orElse(null),
                request.query("direction").map(MessagesApi::direction).orElse(null),
                request.query("to").map(v -> handleParam(v, "to")).orElse(null));
        var result = messaging.messages().list(request.principal(), filter, page);
        return new ApiResponse(200, new ApiResponse.Page(result.items(), result.hasMore(), true, result.nextBefore()), Map.of());
    }

    record ReactBody(String reaction, Boolean remove) {
    }

    record EditBody(String text) {
    }

    /** Bodyless actions accept an absent body or an empty JSON object. */
    record NoBody() {
    }

    ApiResponse react(ApiRequest request) {
        ReactBody body = request.json(ReactBody.class);
        return ApiResponse.ok(messaging.actions().react(request.principal(), idOrNotFound(request.pathParam("id"), "message"),
                body.reaction(), Boolean.TRUE.equals(body.remove())));
    }

    ApiResponse edit(ApiRequest request) {
        EditBody body = request.json(EditBody.class);
        return ApiResponse.ok(messaging.actions().edit(request.principal(), idOrNotFound(request.pathParam("id"), "message"),
                body.text()));
    }

    ApiResponse unsend(ApiRequest request) {
        optionalEmptyBody(request);
        return ApiResponse.ok(messaging.actions().unsend(request.principal(), idOrNotFound(request.pathParam("id"), "message")));
    }

    ApiResponse retry(ApiRequest request) {
        optionalEmptyBody(request);
        var message = messaging.actions().retry(request.principal(), idOrNotFound(request.pathParam("id"), "message"));
        wakeWorkers.run();
        return ApiResponse.status(202, message);
    }

    /** A body is optional; one that is sent must be a JSON object without fields. */
    static void optionalEmptyBody(ApiRequest request) {
        if (request.body().length > 0) {
            request.json(NoBody.class);
        }
    }

    ApiResponse cancel(ApiRequest request) {
        UUID id = idOrNotFound(request.pathParam("id"), "message");
        optionalEmptyBody(request); // checked before cancelling: a refused request changes nothing
        return ApiResponse.ok(messaging.cancel().cancel(request.principal(), id));
    }

    ApiResponse availability(ApiRequest request) {
        String raw = request.query("handle").orElseThrow(() -> ApiException.invalid("handle", "handle is required"));
        Handle handle = Handle.parse(handleParam(raw, "handle")).orElseThrow();
        return ApiResponse.ok(messaging.availability().check(request.principal(), handle));
    }

    ApiResponse get(ApiRequest request) {
        UUID id = idOrNotFound(request.pathParam("id"), "message");
        return ApiResponse.ok(messaging.messages().get(request.principal(), id, true));
    }

    static UUID idOrNotFound(String text, String what) {
        // an id that cannot exist is simply not found
        return Ids.parse(text).orElseThrow(() -> ApiException.notFound(what));
    }

    static UUID uuid(String text, String param) {
        return Ids.parse(text.strip()).orElseThrow(() -> ApiException.invalid(param, param + " must be a UUID"));
    }

    /**
     * A handle from a query string. A literal {@code +} decodes to a space under form encoding, and the docs' own
     * examples send it raw: so a value that is no handle as decoded, but is one with its spaces read back as
     * {@code +}, is that handle. That covers a number's leading {@code +} and a plus-addressed iMessage email
     * ({@code alice+shop@example.com}); no handle contains a space, so nothing valid is read differently.
     */
    static String handleParam(String raw, String param) {
        return Handle.parse(raw)
                .or(() -> raw.indexOf(' ') >= 0 ? Handle.parse(raw.replace(' ', '+')) : Optional.empty())
                .orElseThrow(() -> new ApiException(dev.msgbubbles.common.ErrorCode.INVALID_HANDLE,
                        param + " must be an E.164 phone number or an email address", param)).value();
    }

    /** A direction as the wire spells it ({@code status} is read the same way: {@code INBOUND} is refused). */
    private static Message.Direction direction(String value) {
        return switch (value) {
            case "inbound" -> Message.Direction.INBOUND;
            case "outbound" -> Message.Direction.OUTBOUND;
            default -> throw ApiException.invalid("direction", "direction must be inbound or outbound");
        };
    }
}
