package dev.msgbubbles.account;

import dev.msgbubbles.common.Mode;
import java.util.UUID;

/** A freshly created key. {@code key} is the only copy of the secret: it is shown once and never stored. */
public record IssuedKey(UUID id, UUID accountId, Mode mode, String key, String prefix) {
}
