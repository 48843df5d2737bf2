package dev.msgbubbles.http;

import java.util.Optional;
import java.util.function.BooleanSupplier;

/**
 * Whether this process should be sent requests ({@code /readyz}): empty when it should, otherwise why not, which
 * becomes the message of the {@code 503 unavailable} answer.
 */
@FunctionalInterface
public interface Readiness {
    Optional<String> notReady();

    /** Ready while {@code databaseReady} says so: the database answers and every migration is applied. */
    static Readiness database(BooleanSupplier databaseReady) {
        return () -> databaseReady.getAsBoolean() ? Optional.empty()
                : Optional.of("database unreachable or migrations pending");
    }

    /** Not ready, with {@code why}, while {@code condition} holds; otherwise as this says. */
    default Readiness unless(BooleanSupplier condition, String why) {
        return () -> condition.getAsBoolean() ? Optional.of(why) : notReady();
    }
}
