/**
 * Immutable configuration: defaults shipped in the jar, overridden by an optional properties file, overridden
 * by {@code MSGBUBBLES_*} environment variables. Validated once at start; every error names its key.
 * Imports only {@code common}.
 */
package dev.msgbubbles.config;
