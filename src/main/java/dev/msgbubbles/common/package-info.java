/**
 * Small values shared by every feature: ids, timestamps, handles, modes and the documented API error.
 * Imports nothing of ours and no framework, so any package may depend on it.
 */
package dev.msgbubbles.common;
