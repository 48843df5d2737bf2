package dev.msgbubbles.account;

import dev.msgbubbles.common.Mode;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** SQL for {@code api_keys}. */
final class ApiKeyStore {

    /** A key row joined with its account's status: everything authentication needs in one read. */
    record KeyRow(UUID id, UUID accountId, Mode mode, String prefix, String secretHash, boolean revoked,
                  Account.Status accountStatus) {
    }

    private static final RowMapper<KeyRow> MAPPER = (rs, ctx) -> {
        var uuids = ctx.findColumnMapperFor(UUID.class).orElseThrow();
        return new KeyRow(
                uuids.map(rs, "id", ctx),
                uuids.map(rs, "account_id", ctx),
                Mode.fromWire(rs.getString("mode")).orElseThrow(),
                rs.getString("prefix"),
                rs.getString("secret_hash"),
                rs.getObject("revoked_at") != null,
                Account.Status.valueOf(rs.getString("account_status").toUpperCase(Locale.ROOT)));
    };

    private static final String SELECT = """
            SELECT k.id, k.account_id, k.mode, k.prefix, k.secret_hash, k.revoked_at, a.status AS account_status
            FROM api_keys k JOIN accounts a ON a.id = k.account_id
            """;

    void insert(Handle h, UUID id, UUID accountId, Mode mode, String key, Instant now) {
        h.createUpdate("""
                        INSERT INTO api_keys (id, account_id, mode, prefix, secret_hash, created_at)
                        VALUES (:id, :account, :mode, :prefix, :hash, :now)""")
                .bind("id", id).bind("account", accountId).bind("mode", mode.wire())
                .bind("prefix", ApiKeyFormat.prefix(key))
                .bind("hash", dev.msgbubbles.common.Secrets.sha256Hex(key))
                .bind("now", now.toEpochMilli())
                .execute();
    }

    /** Every key, revoked or not, whose public prefix is {@code prefix} (normally one). */
    List<KeyRow> findByPrefix(Handle h, String prefix) {
        return h.createQuery(SELECT + "WHERE k.prefix = :prefix").bind("prefix", prefix).map(MAPPER).list();
    }

    /** The key with id {@code id}, revoked or not. */
    java.util.Optional<KeyRow> findById(Handle h, UUID id) {
        return h.createQuery(SELECT + "WHERE k.id = :id").bind("id", id).map(MAPPER).findOne();
    }

    /** The public prefixes of the keys not revoked. */
    java.util.Set<String> activePrefixes(Handle h) {
        return h.createQuery("SELECT prefix FROM api_keys WHERE revoked_at IS NULL").mapTo(String.class)
                .collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
    }

    /** Marks the key revoked; false when it was already revoked or does not exist. */
    boolean revoke(Handle h, UUID id, Instant now) {
        return h.createUpdate("UPDATE api_keys SET revoked_at = :now WHERE id = :id AND revoked_at IS NULL")
                .bind("now", now.toEpochMilli()).bind("id", id).execute() == 1;
    }
}
