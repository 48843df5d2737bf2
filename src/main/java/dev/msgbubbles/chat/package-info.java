/**
 * Conversations (chats): threads between one of an account's numbers and a contact, created automatically on
 * the first message in either direction, and iMessage groups with their members. Imports {@code db}, {@code common}.
 */
package dev.msgbubbles.chat;
