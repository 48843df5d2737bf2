/**
 * Accounts, API keys and the numbers an account sends from: their storage (SQL beside each mapper),
 * authentication of bearer keys, and the administrative operations behind {@code ./msgbubbles admin} and the
 * first-start bootstrap. Imports {@code db}, {@code common}.
 */
package dev.msgbubbles.account;
