package dev.msgbubbles.account;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** SQL for {@code accounts}. Every method runs on the caller's handle, so it joins the caller's transaction. */
final class AccountStore {
    private static final String COLUMNS = "id, name, status, created_at";
    private static final RowMapper<Account> MAPPER = (rs, ctx) -> new Account(
            ctx.findColumnMapperFor(UUID.class).orElseThrow().map(rs, "id", ctx),
            rs.getString("name"),
            Account.Status.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)),
            Instant.ofEpochMilli(rs.getLong("created_at")));

    /** Inserts an active account; false when the name is taken (names are unique). */
    boolean insert(Handle h, UUID id, String name, Instant now) {
        return h.createUpdate("""
                        INSERT INTO accounts (id, name, status, created_at, updated_at)
                        VALUES (:id, :name, 'active', :now, :now)
                        ON CONFLICT (name) DO NOTHING""")
                .bind("id", id).bind("name", name).bind("now", now.toEpochMilli())
                .execute() == 1;
    }

    Optional<Account> find(Handle h, UUID id) {
        return h.createQuery("SELECT " + COLUMNS + " FROM accounts WHERE id = :id")
                .bind("id", id).map(MAPPER).findOne();
    }

    List<Account> list(Handle h) {
        return h.createQuery("SELECT " + COLUMNS + " FROM accounts ORDER BY created_at, name").map(MAPPER).list();
    }

    boolean setStatus(Handle h, UUID id, Account.Status status, Instant now) {
        return h.createUpdate("UPDATE accounts SET status = :status, updated_at = :now WHERE id = :id")
                .bind("status", status.name().toLowerCase(Locale.ROOT)).bind("now", now.toEpochMilli()).bind("id", id)
                .execute() == 1;
    }

    long count(Handle h) {
        return h.createQuery("SELECT COUNT(*) FROM accounts").mapTo(Long.class).one();
    }
}
