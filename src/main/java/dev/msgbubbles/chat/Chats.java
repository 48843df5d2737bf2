package dev.msgbubbles.chat;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.PageQuery;
import dev.msgbubbles.db.Database;
import java.time.Clock;
import java.util.UUID;

/** Reads of chats within the caller's account and mode. */
public final class Chats {
    private final Database db;
    private final ConversationStore store;

    public Chats(Database db, Clock clock) {
        this.db = db;
        this.store = new ConversationStore(clock);
    }

    public ChatView get(UUID accountId, Mode mode, UUID id) {
        return db.read(h -> store.find(h, accountId, mode, id)).map(ChatView::of)
                .orElseThrow(() -> ApiException.notFound("chat"));
    }

    public PageQuery.Page<ChatView> list(UUID accountId, Mode mode, PageQuery page) {
        var rows = db.read(h -> store.list(h, accountId, mode, page));
        return new PageQuery.Page<>(rows.items().stream().map(ChatView::of).toList(), rows.hasMore(), rows.nextBefore());
    }
}
