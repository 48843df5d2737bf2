package dev.msgbubbles.chat;

import dev.msgbubbles.common.Ids;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.common.PageQuery;
import dev.msgbubbles.db.Sql;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.jdbi.v3.core.Handle;

/** SQL for {@code conversations}. Every read is scoped by account and mode: another's thread is simply absent. */
public final class ConversationStore {
    /**
     * {@code last_message_at} is derived from the thread's newest message (an index lookup), never stored; on SQLite
     * through the {@link ThreadIndex}.
     */
    private static final String COLUMNS = columnsWith(
            "(SELECT MAX(m.created_at) FROM messages m WHERE m.conversation_id = conversations.id)");
    private static final String SQLITE_COLUMNS = columnsWith(ThreadIndex.SQLITE_LAST_MESSAGE_AT);
    private static final String SQLITE_LIST_COLUMNS = columnsWith(ThreadIndex.SQLITE_LAST_MESSAGE_AT_WITH_TAIL);

    /** The columns of a conversation, {@code lastMessageAt} (a scalar subquery) giving {@code last_message_at}. */
    private static String columnsWith(String lastMessageAt) {
        return "id, account_id, mode, from_handle, remote_handle, is_group, title, established_at, created_at, "
                + "updated_at, " + lastMessageAt + " AS last_message_at";
    }

    private static String columns(Handle h) {
        return Sql.dialect(h) == dev.msgbubbles.db.Dialect.SQLITE ? SQLITE_COLUMNS : COLUMNS;
    }
    private static final Sql.RowMapper<Conversation> MAPPER = row -> {
        Instant last = row.instant("last_message_at");
        Instant updated = row.instant("updated_at");
        String remote = row.string("remote_handle");
        return new Conversation(row.uuid("id"), row.uuid("account_id"), Mode.fromWire(row.string("mode")).orElseThrow(),
                row.string("from_handle"), remote, row.bool("is_group"), row.string("title"),
                remote == null ? List.of() : List.of(remote), row.instant("established_at"), last,
                row.instant("created_at"), last == null || updated.isAfter(last) ? updated : last);
    };
    private static final String INSERT_GROUP = """
            INSERT INTO conversations (id, account_id, mode, from_handle, remote_handle, is_group, title, created_at, updated_at)
            VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?)""";
    private static final String INSERT_PARTICIPANT = """
            INSERT INTO conversation_participants (conversation_id, handle, position, added_at)
            VALUES (?, ?, (SELECT COALESCE(MAX(position), 0) + 1 FROM conversation_participants WHERE conversation_id = ?), ?)
            ON CONFLICT (conversation_id, handle) DO NOTHING""";

    /** Known direct threads are kept up to this many; past it the memory starts over (it is only a shortcut). */
    private static final int KNOWN_LIMIT = 100_000;
    private static final String FIND_DIRECT = "SELECT id FROM conversations WHERE account_id = ? AND mode = ? "
            + "AND from_handle = ? AND remote_handle = ?";
    private static final String INSERT_DIRECT = """
            INSERT INTO conversations (id, account_id, mode, from_handle, remote_handle, is_group, created_at, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (account_id, mode, from_handle, remote_handle) WHERE remote_handle IS NOT NULL DO NOTHING""";

    private record DirectKey(UUID accountId, Mode mode, String fromHandle, String remoteHandle) {
    }

    private final Clock clock;
    /** Direct threads known to be committed (threads are never deleted), so a send to a known contact reads nothing. */
    private final Map<DirectKey, UUID> known = new ConcurrentHashMap<>();

    public ConversationStore(Clock clock) {
        this.clock = clock;
    }

    /**
     * The direct thread between {@code fromHandle} and {@code remoteHandle} if this process has seen it committed
     * (from memory: no connection needed); empty otherwise, when {@link #committedDirect} reads the store.
     */
    public Optional<UUID> knownDirect(UUID accountId, Mode mode, String fromHandle, String remoteHandle) {
        return Optional.ofNullable(known.get(new DirectKey(accountId, mode, fromHandle, remoteHandle)));
    }

    /**
     * The committed direct thread between {@code fromHandle} and {@code remoteHandle}, if there is one, read with
     * {@code committed}, which must be a connection outside any write transaction (what it finds is remembered for
     * {@link #knownDirect}, so it must not be a row that could still roll back). Ask {@link #knownDirect} first.
     */
    public Optional<UUID> committedDirect(Handle committed, UUID accountId, Mode mode, String fromHandle, String remoteHandle) {
        DirectKey key = new DirectKey(accountId, mode, fromHandle, remoteHandle);
        Optional<UUID> found = findDirect(committed, accountId, mode, fromHandle, remoteHandle);
        found.ifPresent(value -> remember(key, value));
        return found;
    }

    /**
     * The write affinity of the direct thread between {@code fromHandle} and {@code remoteHandle} (see
     * {@link dev.msgbubbles.db.Writes#write(String, org.jdbi.v3.core.HandleCallback)}): work that may create it
     * or append to it shares a writer.
     */
    public static String affinity(UUID accountId, Mode mode, String fromHandle, String remoteHandle) {
        return accountId + "|" + mode.wire() + "|" + fromHandle + "|" + remoteHandle;
    }

    /** Remembers a direct thread once the transaction that created or used it has committed. */
    public void committed(UUID accountId, Mode mode, String fromHandle, String remoteHandle, UUID id) {
        remember(new DirectKey(accountId, mode, fromHandle, remoteHandle), id);
    }

    private void remember(DirectKey key, UUID id) {
        if (known.size() >= KNOWN_LIMIT) {
            known.clear();
        }
        known.put(key, id);
    }

    /** The id of the direct thread between {@code fromHandle} and {@code remoteHandle}, created if it does not exist yet. */
    public UUID direct(Handle tx, UUID accountId, Mode mode, String fromHandle, String remoteHandle, Instant now) {
        Optional<UUID> existing = findDirect(tx, accountId, mode, fromHandle, remoteHandle);
        if (existing.isPresent()) {
            return existing.get(); // the common case: one indexed read, no write
        }
        Sql.update(tx, INSERT_DIRECT, Ids.uuidV7(clock), accountId, mode.wire(), fromHandle, remoteHandle, false, now, now);
        return findDirect(tx, accountId, mode, fromHandle, remoteHandle).orElseThrow();
    }

    private static Optional<UUID> findDirect(Handle h, UUID accountId, Mode mode, String fromHandle, String remoteHandle) {
        return Sql.one(h, FIND_DIRECT, row -> row.uuid("id"), accountId, mode.wire(), fromHandle, remoteHandle);
    }

    public Optional<Conversation> find(Handle h, UUID accountId, Mode mode, UUID id) {
        return Sql.one(h, "SELECT " + columns(h) + " FROM conversations WHERE id = ? AND account_id = ? AND mode = ?", MAPPER,
                id, accountId, mode.wire()).map(c -> withMembers(h, List.of(c)).getFirst());
    }

    /**
     * The caller's thread, like {@link #find}, with its row locked until {@code tx} ends on PostgreSQL (another
     * transaction locking it waits; SQLite's single writer already excludes every other).
     */
    public Optional<Conversation> findLocked(Handle tx, UUID accountId, Mode mode, UUID id) {
        boolean exists = Sql.one(tx, "SELECT id FROM conversations WHERE id = ? AND account_id = ? AND mode = ?"
                + Sql.dialect(tx).forUpdate(), row -> row.uuid("id"), id, accountId, mode.wire()).isPresent();
        return exists ? find(tx, accountId, mode, id) : Optional.empty();
    }

    /** Any thread by id, whoever owns it (for workers that already hold a message of it). */
    public Optional<Conversation> findById(Handle h, UUID id) {
        return Sql.one(h, "SELECT " + columns(h) + " FROM conversations WHERE id = ?", MAPPER, id)
                .map(c -> withMembers(h, List.of(c)).getFirst());
    }

    /** The threads with the members of their groups filled in (one query for all the groups among them). */
    private static List<Conversation> withMembers(Handle h, List<Conversation> threads) {
        List<UUID> groups = threads.stream().filter(Conversation::group).map(Conversation::id).toList();
        if (groups.isEmpty()) {
            return threads;
        }
        Map<UUID, List<String>> members = new java.util.HashMap<>();
        Sql.list(h, "SELECT conversation_id, handle FROM conversation_participants WHERE conversation_id IN ("
                        + Sql.repeat("?", groups.size()) + ") ORDER BY conversation_id, position",
                row -> Map.entry(row.uuid("conversation_id"), row.string("handle")), groups.toArray())
                .forEach(e -> members.computeIfAbsent(e.getKey(), k -> new ArrayList<>()).add(e.getValue()));
        return threads.stream().map(c -> c.group() ? c.withParticipants(members.getOrDefault(c.id(), List.of())) : c).toList();
    }

    /** A new group (not established yet) with its members in the order given. */
    public void insertGroup(Handle tx, UUID id, UUID accountId, Mode mode, String fromHandle, String title,
                            List<String> members, Instant now) {
        Sql.update(tx, INSERT_GROUP, id, accountId, mode.wire(), fromHandle, true, title, now, now);
        for (String member : members) {
            Sql.update(tx, INSERT_PARTICIPANT, id, member, id, now);
        }
    }

    /** Whether {@code handle} is a member of group {@code id} now. */
    public static boolean isMember(Handle h, UUID id, String handle) {
        return Sql.one(h, "SELECT handle FROM conversation_participants WHERE conversation_id = ? AND handle = ?",
                row -> row.string("handle"), id, handle).isPresent();
    }

    /** Marks a group established (the first time only); true when this call did it. */
    public boolean establish(Handle tx, UUID id, Instant now) {
        return Sql.update(tx, "UPDATE conversations SET established_at = ? WHERE id = ? AND is_group = ? "
                + "AND established_at IS NULL", now, id, true) == 1;
    }

    public void rename(Handle tx, UUID id, String title, Instant now) {
        Sql.update(tx, "UPDATE conversations SET title = ?, updated_at = ? WHERE id = ?", title, now, id);
    }

    /** Adds a member at the end; false when it already was one. */
    public boolean addMember(Handle tx, UUID id, String handle, Instant now) {
        boolean added = Sql.update(tx, INSERT_PARTICIPANT, id, handle, id, now) == 1;
        if (added) {
            Sql.update(tx, "UPDATE conversations SET updated_at = ? WHERE id = ?", now, id);
        }
        return added;
    }

    /** Removes a member; false when it was not one. */
    public boolean removeMember(Handle tx, UUID id, String handle, Instant now) {
        boolean removed = Sql.update(tx, "DELETE FROM conversation_participants WHERE conversation_id = ? AND handle = ?",
                id, handle) == 1;
        if (removed) {
            Sql.update(tx, "UPDATE conversations SET updated_at = ? WHERE id = ?", now, id);
        }
        return removed;
    }

    /** Newest first by creation time (stable, so walking pages never skips or repeats a thread). */
    public PageQuery.Page<Conversation> list(Handle h, UUID accountId, Mode mode, PageQuery page) {
        List<Object> values = new ArrayList<>(List.of(accountId, mode.wire()));
        // on SQLite, the threads' newest messages not yet indexed are found once for the page (see ThreadIndex)
        boolean sqlite = Sql.dialect(h) == dev.msgbubbles.db.Dialect.SQLITE;
        String sql = (sqlite ? ThreadIndex.SQLITE_TAIL + "SELECT " + SQLITE_LIST_COLUMNS : "SELECT " + COLUMNS)
                + " FROM conversations WHERE account_id = ? AND mode = ?"
                + page.beforeCondition(values, id -> find(h, accountId, mode, id).map(Conversation::createdAt), "chat")
                + " ORDER BY created_at DESC, id DESC LIMIT ?";
        values.add(page.limit() + 1);
        return page.page(withMembers(h, Sql.list(h, sql, MAPPER, values.toArray())), Conversation::id);
    }
}
