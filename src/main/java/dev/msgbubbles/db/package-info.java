/**
 * The one {@code Database}: connection pools, JDBI, the SQL dialect and Flyway migrations (one folder per
 * dialect under {@code db/migration}). Feature packages keep their own SQL next to their mappers and reach
 * the database only through {@link dev.msgbubbles.db.Database}. Imports {@code config} and {@code common}.
 */
package dev.msgbubbles.db;
