/**
 * Conversations (chats): threads between one of an account's numbers and a contact, created automatically on
 * the first message in either direction, and iMessage groups with their members; which messages belong to which
 * thread ({@link dev.msgbubbles.chat.ThreadIndex}, batched on SQLite, in the store's side file). Imports {@code db}, {@code common}.
 */
package dev.msgbubbles.chat;
