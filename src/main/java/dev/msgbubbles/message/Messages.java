package dev.msgbubbles.message;

import dev.msgbubbles.account.Principal;
import dev.msgbubbles.chat.ConversationStore;
import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.PageQuery;
import dev.msgbubbles.db.Database;
import java.time.Clock;
import java.util.UUID;

/** Reads of messages, always within the caller's account and mode: anything else is 404. */
public final class Messages {
    /** {@code GET /v1/messages} filters; null means not filtered. */
    public record Filter(UUID conversationId, MessageStatus status, Message.Direction direction, String to) {
    }

    private final Database db;
    private final MessageStore store = new MessageStore();
    private final ConversationStore conversations;

    Messages(Database db, Clock clock) {
        this.db = db;
        this.conversations = new ConversationStore(clock);
    }

    public MessageView get(Principal p, UUID id, boolean withTimeline) {
        return db.read(h -> {
            Message message = store.find(h, p.accountId(), p.mode(), id).orElseThrow(() -> ApiException.notFound("message"));
            return MessageView.of(message, withTimeline ? store.timeline(h, id) : null);
        });
    }

    public PageQuery.Page<MessageView> list(Principal p, Filter filter, PageQuery page) {
        return db.read(h -> {
            if (filter.conversationId() != null
                    && conversations.find(h, p.accountId(), p.mode(), filter.conversationId()).isEmpty()) {
                throw new ApiException(dev.msgbubbles.common.ErrorCode.NOT_FOUND, "conversation not found", "conversation_id");
            }
            var rows = store.list(h, p.accountId(), p.mode(),
                    new MessageStore.Filter(filter.conversationId(), filter.status(), filter.direction(), filter.to()), page);
            return new PageQuery.Page<>(rows.items().stream().map(MessageView::of).toList(), rows.hasMore(), rows.nextBefore());
        });
    }
}
