/**
 * Attachments: staged uploads (multipart or presigned PUT), their bytes in a content-addressed blob store, the
 * sniffed content type and the limits, signed expiring links for download and upload, the single-use claim by a
 * message, and the removal of what was never claimed. Imports {@code queue}, {@code db}, {@code common}.
 */
package dev.msgbubbles.attachment;
