/**
 * The command line: {@code serve} (start the server, print first-start keys) and {@code admin …} (accounts,
 * keys, numbers; one JSON object on stdout, errors on stderr with a non-zero exit). Imports {@code account},
 * {@code config}, {@code db}, {@code common} and the composition root.
 */
package dev.msgbubbles.cli;
