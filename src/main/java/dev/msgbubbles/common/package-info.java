/**
 * Small values shared by every feature: ids, timestamps, handles, modes and the documented API error; and the
 * {@link dev.msgbubbles.common.Handoff} by which a feature hands rows it just wrote to its own worker in memory.
 * Imports nothing of ours and no framework, so any package may depend on it.
 */
package dev.msgbubbles.common;
