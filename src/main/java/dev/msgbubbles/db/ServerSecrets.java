package dev.msgbubbles.db;

import dev.msgbubbles.common.Secrets;
import java.time.Instant;
import java.util.Base64;

/**
 * Secrets the server keeps for itself in {@code server_secrets}, created on first use and then the same for every
 * process on the database (the first to insert wins; the others read its value).
 */
public final class ServerSecrets {
    private ServerSecrets() {
    }

    /** The named 32-byte secret, created if there is none yet. */
    public static byte[] get(Database db, String name, Instant now) {
        String fresh = Base64.getEncoder().encodeToString(Secrets.randomBytes(32));
        String value = db.write(tx -> {
            Sql.update(tx, "INSERT INTO server_secrets (name, value, created_at) VALUES (?, ?, ?) ON CONFLICT (name) DO NOTHING",
                    name, fresh, now);
            return Sql.one(tx, "SELECT value FROM server_secrets WHERE name = ?", row -> row.string("value"), name).orElseThrow();
        });
        return Base64.getDecoder().decode(value);
    }
}
