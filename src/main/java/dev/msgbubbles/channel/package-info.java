/**
 * The connector SPI: what the core asks of a messaging backend ({@link dev.msgbubbles.channel.Channel}) and the
 * outcomes it gets back as values. Connectors (sub-packages) import only this package and {@code common}.
 */
package dev.msgbubbles.channel;
