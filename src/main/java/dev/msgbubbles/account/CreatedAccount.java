package dev.msgbubbles.account;

/** A new account with its first test and live keys (shown once). */
public record CreatedAccount(Account account, IssuedKey testKey, IssuedKey liveKey) {
}
