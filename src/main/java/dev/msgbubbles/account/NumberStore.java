package dev.msgbubbles.account;

import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.mapper.RowMapper;

/** SQL for {@code numbers}. Channels are stored as a comma-separated list in {@link ChannelType} order. */
final class NumberStore {
    private static final String COLUMNS = "id, account_id, mode, handle, channels, label, status, provider, created_at";

    private static final RowMapper<AccountNumber> MAPPER = (rs, ctx) -> {
        var uuids = ctx.findColumnMapperFor(UUID.class).orElseThrow();
        return new AccountNumber(
                uuids.map(rs, "id", ctx),
                uuids.map(rs, "account_id", ctx),
                Mode.fromWire(rs.getString("mode")).orElseThrow(),
                rs.getString("handle"),
                Arrays.stream(rs.getString("channels").split(","))
                        .map(c -> ChannelType.fromWire(c).orElseThrow()).toList(),
                rs.getString("label"),
                AccountNumber.Status.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)),
                Provider.fromWire(rs.getString("provider")).orElseThrow(),
                Instant.ofEpochMilli(rs.getLong("created_at")));
    };

    /** Inserts the number; false when its handle already belongs to some account. */
    boolean insert(Handle h, AccountNumber n) {
        return h.createUpdate("""
                        INSERT INTO numbers (id, account_id, mode, handle, channels, label, status, provider,
                                             created_at, updated_at)
                        VALUES (:id, :account, :mode, :handle, :channels, :label, :status, :provider, :now, :now)
                        ON CONFLICT (handle) DO NOTHING""")
                .bind("id", n.id()).bind("account", n.accountId()).bind("mode", n.mode().wire())
                .bind("handle", n.handle())
                .bind("channels", n.channels().stream().sorted().map(ChannelType::wire).collect(Collectors.joining(",")))
                .bind("label", n.label())
                .bind("status", n.status().name().toLowerCase(Locale.ROOT))
                .bind("provider", n.provider().wire())
                .bind("now", n.createdAt().toEpochMilli())
                .execute() == 1;
    }

    List<AccountNumber> list(Handle h, UUID accountId, Mode mode) {
        return h.createQuery("SELECT " + COLUMNS + " FROM numbers WHERE account_id = :account AND mode = :mode "
                        + "ORDER BY created_at, handle")
                .bind("account", accountId).bind("mode", mode.wire()).map(MAPPER).list();
    }

    Optional<AccountNumber> findByHandle(Handle h, String handle) {
        return h.createQuery("SELECT " + COLUMNS + " FROM numbers WHERE handle = :handle")
                .bind("handle", handle).map(MAPPER).findOne();
    }

    /** Sets the status of {@code handle} unless it has it already; true when it changed. */
    boolean setStatus(Handle h, String handle, AccountNumber.Status status, Instant now) {
        return h.createUpdate("UPDATE numbers SET status = :status, updated_at = :now WHERE handle = :handle "
                        + "AND status <> :status")
                .bind("status", status.name().toLowerCase(Locale.ROOT)).bind("now", now.toEpochMilli())
                .bind("handle", handle).execute() == 1;
    }
}
