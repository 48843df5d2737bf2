package dev.msgbubbles.account;

import dev.msgbubbles.common.Mode;
import java.util.UUID;

/** Who is calling: the account and mode of the presented key. Every query is scoped by both. */
public record Principal(UUID accountId, Mode mode, UUID keyId) {
}
