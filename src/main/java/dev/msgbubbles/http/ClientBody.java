package dev.msgbubbles.http;

import io.helidon.common.buffers.DataReader;
import io.helidon.http.RequestException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reading the bytes a client sent. Helidon reports a body it cannot read (shorter than its {@code Content-Length}
 * when the client stops sending, a chunk size that is not hex, a truncated chunked body, a connection that fails
 * mid-body) with assorted unchecked exceptions out of {@code read}; any of them reaching the dispatcher was a 500 and
 * an ERROR log, for what is the client's fault. Every read of the request entity goes through {@link #guard}, which
 * turns those failures, and only those, into {@link Unreadable} (400 {@code invalid_request}, connection closed).
 * Business logic is not wrapped: an exception out of it is never mistaken for the client's.
 */
final class ClientBody {
    private ClientBody() {
    }

    /** The request body could not be read; the message says why, in words safe to show the client. */
    static final class Unreadable extends RuntimeException {
        Unreadable(String reason, Throwable cause) {
            super("could not read the request body: " + reason, cause, false, false);
        }
    }

    /**
     * What a failure of Helidon's entity read means to us: a 413 (a chunked body growing past the listener's limit)
     * is kept for the dispatcher to answer as {@code payload_too_large}; anything else is {@link Unreadable}.
     */
    static RuntimeException translate(Exception failure) {
        if (failure instanceof RequestException request && request.status().code() == 413) {
            return request;
        }
        if (failure instanceof Unreadable unreadable) {
            return unreadable;
        }
        String reason = switch (failure) {
            case DataReader.InsufficientDataAvailableException ignored ->
                    "the connection ended before the whole body arrived";
            case NumberFormatException ignored -> "malformed chunked encoding (a chunk size that is not hexadecimal)";
            case DataReader.IncorrectNewLineException ignored -> "malformed chunked encoding (bad line endings)";
            case RequestException ignored -> "malformed chunked encoding";
            default -> "the connection failed while it was being sent";
        };
        return new Unreadable(reason, failure);
    }

    /**
     * {@code in}, whose read failures are {@link #translate}d, and whose reads are watched by {@code silence}: a client
     * that sends nothing for its limit in the middle of the body loses its connection, and the read fails.
     */
    static InputStream guard(InputStream in, SilentClients silence) {
        return new InputStream() {
            @Override
            public int read() {
                silence.watch();
                try {
                    return in.read();
                } catch (IOException | RuntimeException e) {
                    throw translate(e);
                } finally {
                    silence.unwatch();
                }
            }

            @Override
            public int read(byte[] b, int off, int len) {
                silence.watch();
                try {
                    return in.read(b, off, len);
                } catch (IOException | RuntimeException e) {
                    throw translate(e);
                } finally {
                    silence.unwatch();
                }
            }

            @Override
            public int available() {
                try {
                    return in.available();
                } catch (IOException | RuntimeException e) {
                    throw translate(e);
                }
            }

            @Override
            public void close() {
                try {
                    in.close();
                } catch (IOException | RuntimeException e) {
                    throw translate(e);
                }
            }
        };
    }
}
