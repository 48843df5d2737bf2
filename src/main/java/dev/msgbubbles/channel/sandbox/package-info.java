/**
 * The sandbox network (DECISIONS §9): deterministic recipients chosen by the last four digits of a number,
 * with scaled timing. Used by every test-mode number. Imports only {@code channel} and {@code common}.
 */
package dev.msgbubbles.channel.sandbox;
