package dev.msgbubbles.account;

import java.time.Instant;
import java.util.UUID;

/** A customer of the server. A suspended account's keys authenticate but are refused with 403. */
public record Account(UUID id, String name, Status status, Instant createdAt) {

    public enum Status { ACTIVE, SUSPENDED }
}
