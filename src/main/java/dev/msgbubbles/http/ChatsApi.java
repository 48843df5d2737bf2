package dev.msgbubbles.http;

import dev.msgbubbles.chat.Chats;
import dev.msgbubbles.common.PageQuery;
import dev.msgbubbles.message.GroupChats;
import dev.msgbubbles.message.Messaging;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

/** {@code /v1/chats}: browse threads, create and manage iMessage groups, read receipts and typing. */
final class ChatsApi {
    static final Set<String> LIST_QUERY = Set.of("limit", "before");

    /** {@code POST /v1/chats}: exactly the documented fields. */
    record CreateBody(String fromHandle, List<String> addresses, String message, String title) {
    }

    record RenameBody(String title) {
    }

    record ParticipantBody(String handle) {
    }

    record TypingBody(Boolean typing) {
    }

    private final Chats chats;
    private final Messaging messaging;
    private final Runnable wakeWorkers;

    ChatsApi(Chats chats, Messaging messaging, Runnable wakeWorkers) {
        this.chats = chats;
        this.messaging = messaging;
        this.wakeWorkers = wakeWorkers;
    }

    ApiResponse list(ApiRequest request) {
        PageQuery page = PageQuery.parse(request.query("limit"), request.query("before"));
        var result = chats.list(request.principal().accountId(), request.principal().mode(), page);
        return new ApiResponse(200, new ApiResponse.Page(result.items(), result.hasMore(), true, result.nextBefore()), Map.of());
    }

    ApiResponse get(ApiRequest request) {
        return ApiResponse.ok(chats.get(request.principal().accountId(), request.principal().mode(), id(request)));
    }

    ApiResponse create(ApiRequest request) {
        Optional<String> key = IdempotencyKeyHeader.of(request);
        CreateBody body = request.json(CreateBody.class);
        String fingerprint = key.isPresent() ? Json.fingerprint(Json.readTree(request.body())) : null;
        GroupChats.Result result = messaging.groups().create(new GroupChats.Create(request.principal(), key.orElse(null),
                fingerprint, body.fromHandle(), body.addresses(), body.message(), body.title()));
        return switch (result) {
            case GroupChats.Created created -> {
                wakeWorkers.run();
                yield ApiResponse.status(201, created.chat());
            }
            case GroupChats.Replayed replayed -> ApiResponse.ok(replayed.chat()).withHeader("Idempotent-Replayed", "true");
        };
    }

    ApiResponse rename(ApiRequest request) {
        UUID id = id(request);
        RenameBody body = request.json(RenameBody.class);
        return ApiResponse.ok(messaging.groups().rename(request.principal(), id, body.title()));
    }

    ApiResponse addParticipant(ApiRequest request) {
        UUID id = id(request);
        ParticipantBody body = request.json(ParticipantBody.class);
        return ApiResponse.ok(messaging.groups().addParticipant(request.principal(), id, body.handle()));
    }

    ApiResponse removeParticipant(ApiRequest request) {
        UUID id = id(request);
        MessagesApi.optionalEmptyBody(request);
        return ApiResponse.ok(messaging.groups().removeParticipant(request.principal(), id, request.pathParam("handle")));
    }

    ApiResponse read(ApiRequest request) {
        UUID id = id(request);
        MessagesApi.optionalEmptyBody(request);
        return ApiResponse.ok(messaging.controls().markRead(request.principal(), id));
    }

    ApiResponse typing(ApiRequest request) {
        UUID id = id(request);
        TypingBody body = request.json(TypingBody.class);
        return ApiResponse.ok(messaging.controls().typing(request.principal(), id, body.typing()));
    }

    private static UUID id(ApiRequest request) {
        return MessagesApi.idOrNotFound(request.pathParam("id"), "chat");
    }
}
