package dev.msgbubbles.http;

import dev.msgbubbles.chat.Chats;
import dev.msgbubbles.common.PageQuery;
import java.util.Map;
import java.util.Set;

/** {@code /v1/chats}: browse threads. */
final class ChatsApi {
    static final Set<String> LIST_QUERY = Set.of("limit", "before");

    private final Chats chats;

    ChatsApi(Chats chats) {
        this.chats = chats;
    }

    ApiResponse list(ApiRequest request) {
        PageQuery page = PageQuery.parse(request.query("limit"), request.query("before"));
        var result = chats.list(request.principal().accountId(), request.principal().mode(), page);
        return new ApiResponse(200, new ApiResponse.Page(result.items(), result.hasMore(), true, result.nextBefore()), Map.of());
    }

    ApiResponse get(ApiRequest request) {
        var id = MessagesApi.idOrNotFound(request.pathParam("id"), "chat");
        return ApiResponse.ok(chats.get(request.principal().accountId(), request.principal().mode(), id));
    }
}
