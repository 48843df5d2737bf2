package dev.msgbubbles.http;

import dev.msgbubbles.common.ApiException;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Optional;

/**
 * The parts of a {@code multipart/form-data} body (RFC 7578, framing of RFC 2046 §5.1), read as a stream: each
 * part's bytes are handed on as they arrive, never held whole.
 *
 * <p>Ours rather than Helidon's multipart module for two reasons. That module decodes part headers as US-ASCII, so a
 * file name sent in raw UTF-8 (as browsers and curl send it) arrived as U+FFFD replacement characters, beyond repair;
 * and it reported malformed bodies with assorted unchecked exceptions (a missing colon, a 1 KiB header limit, a
 * missing closing boundary, an empty body), each a 500. Here every malformed body is a 400 {@code invalid_request}
 * saying what is wrong, thrown as it is met; a failure to read the bytes at all is the caller's
 * {@link ClientBody.Unreadable} (400 too).
 *
 * <p>Names: a part header's bytes are taken as UTF-8 when they are valid UTF-8, as ISO-8859-1 otherwise. A
 * {@code filename*} (RFC 5987/8187: {@code UTF-8''r%C3%A9sum%C3%A9.txt}) wins over {@code filename}; in a plain
 * {@code filename}, valid percent-escapes that decode to UTF-8 are decoded (RFC 7578 §4.2 allows senders to
 * percent-encode; browsers encode {@code "}, CR and LF so), anything else is kept as sent. The name is not
 * cleaned here: that is the endpoint's business.
 */
final class MultipartReader implements Iterator<ApiRequest.Part> {
    /** All header lines of one part together; a file name of a few hundred characters needs far less. */
    static final int MAX_HEADER_BYTES = 8192;
    private static final int BUFFER = 64 * 1024;

    private final InputStream in;
    /** CR LF "--" boundary: what ends a part (and, with a CR LF pretended before the body, the preamble). */
    private final byte[] delimiter;
    private final byte[] buf = new byte[BUFFER];
    private int pos;
    private int lim;
    private boolean eof;
    /** Positions in [pos, clearUntil) are known not to start a delimiter (saves rescanning on small reads). */
    private int clearUntil;

    private PartStream current;
    private ApiRequest.Part next;
    private boolean done;

    /**
     * @param boundary the {@code boundary} parameter of the request's content type, already checked to be one
     *                 (1–70 characters of RFC 2046's set)
     */
    MultipartReader(InputStream in, String boundary) {
        this.in = in;
        this.delimiter = ("\r\n--" + boundary).getBytes(StandardCharsets.US_ASCII);
        // the first boundary line has no CR LF before it: pretend one, so the preamble ends like any part
        buf[0] = '\r';
        buf[1] = '\n';
        lim = 2;
        current = new PartStream(true); // the preamble, skipped like the unread rest of a part
    }

    /** RFC 2046 §5.1.1: 1–70 characters from its set, not ending in a space. */
    static boolean validBoundary(String boundary) {
        return boundary.matches("[0-9A-Za-z'()+_,\\-./:=? ]{0,69}[0-9A-Za-z'()+_,\\-./:=?]");
    }

    @Override
    public boolean hasNext() {
        if (next != null) {
            return true;
        }
        if (done) {
            return false;
        }
        current.skipRest();
        pos += delimiter.length;
        // after the boundary: "--" closes the body (the epilogue is ignored); else optional blanks and CR LF
        fill(2);
        if (lim - pos >= 2 && buf[pos] == '-' && buf[pos + 1] == '-') {
            done = true;
            return false;
        }
        while (true) {
            fill(1);
            if (lim - pos < 1) {
                throw malformed("the body ended inside a boundary line");
            }
            if (buf[pos] != ' ' && buf[pos] != '\t') {
                break;
            }
            pos++;
        }
        fill(2);
        if (lim - pos < 2 || buf[pos] != '\r' || buf[pos + 1] != '\n') {
            throw malformed("a boundary line has other characters after the boundary (the boundary must not "
                    + "occur in a part's content)");
        }
        pos += 2;
        Map<String, String> headers = readHeaders();
        Disposition disposition = Disposition.parse(headers.get("content-disposition"));
        current = new PartStream(false);
        next = new ApiRequest.Part(disposition.name(), disposition.filename(), current);
        return true;
    }

    @Override
    public ApiRequest.Part next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        ApiRequest.Part part = next;
        next = null;
        return part;
    }

    /** Header lines up to the empty line, names in lower case; at most {@link #MAX_HEADER_BYTES} in all. */
    private Map<String, String> readHeaders() {
        Map<String, String> headers = new LinkedHashMap<>();
        int budget = MAX_HEADER_BYTES;
        while (true) {
            int end = lineEnd(budget);
            int length = end - pos;
            budget -= length + 2;
            if (length == 0) {
                pos += 2;
                return headers;
            }
            String line = text(buf, pos, length);
            pos = end + 2;
            for (int i = 0; i < line.length(); i++) {
                char c = line.charAt(i);
                if (c != '\t' && Character.isISOControl(c)) {
                    throw malformed("a part header contains a control character");
                }
            }
            int colon = line.indexOf(':');
            if (colon <= 0) {
                throw malformed("a part header is not 'Name: value'");
            }
            headers.putIfAbsent(line.substring(0, colon).strip().toLowerCase(Locale.ROOT), line.substring(colon + 1).strip());
        }
    }

    /** The index of the CR LF ending the line at {@code pos}, found within {@code budget} bytes. */
    private int lineEnd(int budget) {
        while (true) {
            for (int i = pos; i + 1 < lim; i++) {
                if (buf[i] == '\r' && buf[i + 1] == '\n') {
                    if (i - pos > budget) {
                        throw tooLarge();
                    }
                    return i;
                }
            }
            if (lim - pos > budget + 1) {
                throw tooLarge();
            }
            if (eof) {
                throw malformed("the body ended inside a part's headers");
            }
            fill(lim - pos + 1);
        }
    }

    private static ApiException tooLarge() {
        return ApiException.invalid(null, "a part's headers exceed " + MAX_HEADER_BYTES + " bytes");
    }

    private static ApiException malformed(String why) {
        return ApiException.invalid(null, "malformed multipart body: " + why);
    }

    /**
     * Makes at least {@code want} bytes available from {@code pos} (fewer only at the end of the body), moving the
     * unread bytes to the front of the buffer when they do not fit.
     */
    private void fill(int want) {
        while (lim - pos < want && !eof) {
            if (buf.length - pos < want) {
                int shift = pos;
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                lim -= shift;
                pos = 0;
                clearUntil = Math.max(0, clearUntil - shift);
            }
            int read;
            try {
                read = in.read(buf, lim, buf.length - lim);
            } catch (java.io.IOException e) {
                throw ClientBody.translate(e);
            }
            if (read < 0) {
                eof = true;
            } else {
                lim += read;
            }
        }
    }

    /** The content of the part being read: its bytes up to the next delimiter. */
    private final class PartStream extends InputStream {
        private final boolean preamble;
        private boolean ended;

        PartStream(boolean preamble) {
            this.preamble = preamble;
        }

        /** How many bytes from {@code pos} are content for sure; 0 when the delimiter is at {@code pos}. */
        private int contentAhead() {
            fill(delimiter.length);
            int from = Math.max(pos, clearUntil);
            for (int i = from; i + delimiter.length <= lim; i++) {
                if (buf[i] == '\r' && startsDelimiter(i)) {
                    clearUntil = i;
                    return i - pos;
                }
            }
            if (eof) {
                throw malformed(preamble ? "the boundary of its Content-Type does not occur in it"
                        : "the body ended before the closing boundary");
            }
            clearUntil = lim - delimiter.length + 1;
            return clearUntil - pos;
        }

        private boolean startsDelimiter(int at) {
            for (int j = 1; j < delimiter.length; j++) {
                if (buf[at + j] != delimiter[j]) {
                    return false;
                }
            }
            return true;
        }

        @Override
        public int read() {
            if (ended) {
                return -1;
            }
            if (contentAhead() == 0) {
                ended = true;
                return -1;
            }
            return buf[pos++] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (ended) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            int available = contentAhead();
            if (available == 0) {
                ended = true;
                return -1;
            }
            int n = Math.min(len, available);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        /** Leaves {@code pos} at the delimiter that ends this part. */
        void skipRest() {
            while (!ended) {
                int available = contentAhead();
                if (available == 0) {
                    ended = true;
                } else {
                    pos += available;
                }
            }
        }
    }

    /** Bytes as UTF-8 when they are valid UTF-8, else as ISO-8859-1 (every byte a character). */
    static String text(byte[] bytes, int offset, int length) {
        return StrictText.decode(bytes, offset, length, StandardCharsets.UTF_8)
                .orElseGet(() -> new String(bytes, offset, length, StandardCharsets.ISO_8859_1));
    }

    /** What {@code Content-Disposition: form-data; name="…"; filename="…"} says. */
    record Disposition(String name, Optional<String> filename) {
        static Disposition parse(String header) {
            if (header == null) {
                throw malformed("a part has no Content-Disposition header");
            }
            // the type (form-data) is not checked: nothing depends on it, and a lenient reading costs nothing
            Map<String, String> params = new LinkedHashMap<>();
            int i = header.indexOf(';');
            while (i >= 0) {
                int start = i + 1;
                int eq = header.indexOf('=', start);
                int semi = header.indexOf(';', start);
                if (eq < 0 || (semi >= 0 && semi < eq)) { // a parameter without a value: skip it
                    i = semi;
                    continue;
                }
                String key = header.substring(start, eq).strip().toLowerCase(Locale.ROOT);
                int j = eq + 1;
                while (j < header.length() && (header.charAt(j) == ' ' || header.charAt(j) == '\t')) {
                    j++;
                }
                String value;
                if (j < header.length() && header.charAt(j) == '"') {
                    // quoted-string: \" and \\ are escapes (Go, curl); a lone backslash is itself (a Windows path)
                    StringBuilder quoted = new StringBuilder();
                    for (j++; j < header.length() && header.charAt(j) != '"'; j++) {
                        char c = header.charAt(j);
                        if (c == '\\' && j + 1 < header.length()
                                && (header.charAt(j + 1) == '"' || header.charAt(j + 1) == '\\')) {
                            c = header.charAt(++j);
                        }
                        quoted.append(c);
                    }
                    if (j >= header.length()) {
                        throw malformed("a quoted value in Content-Disposition is not closed");
                    }
                    value = quoted.toString();
                    i = header.indexOf(';', j);
                } else {
                    i = header.indexOf(';', j);
                    value = header.substring(j, i < 0 ? header.length() : i).strip();
                }
                params.putIfAbsent(key, value);
            }
            Optional<String> filename = Optional.ofNullable(params.get("filename*")).flatMap(Disposition::extValue)
                    .or(() -> Optional.ofNullable(params.get("filename")).map(Disposition::percentDecoded));
            return new Disposition(params.get("name"), filename);
        }

        /** RFC 8187 {@code charset'language'pct-encoded}, for UTF-8 and ISO-8859-1; empty if it is not one. */
        static Optional<String> extValue(String value) {
            int first = value.indexOf('\'');
            int second = first < 0 ? -1 : value.indexOf('\'', first + 1);
            if (second < 0) {
                return Optional.empty();
            }
            Charset charset = switch (value.substring(0, first).strip().toUpperCase(Locale.ROOT)) {
                case "UTF-8" -> StandardCharsets.UTF_8;
                case "ISO-8859-1" -> StandardCharsets.ISO_8859_1;
                default -> null;
            };
            if (charset == null) {
                return Optional.empty();
            }
            byte[] bytes = unescape(value.substring(second + 1), true);
            return bytes == null ? Optional.empty() : StrictText.decode(bytes, 0, bytes.length, charset);
        }

        /** {@code value} with its percent-escapes decoded, when they are all valid and make UTF-8; else as is. */
        static String percentDecoded(String value) {
            if (value.indexOf('%') < 0) {
                return value;
            }
            byte[] bytes = unescape(value, false);
            return bytes == null ? value : StrictText.decode(bytes, 0, bytes.length, StandardCharsets.UTF_8).orElse(value);
        }

        /**
         * The bytes of {@code value} (UTF-8) with {@code %XX} decoded; null when an escape is not two hex digits, or
         * (strict: RFC 8187 allows only attr-chars unescaped) when a character other than those is not escaped.
         */
        private static byte[] unescape(String value, boolean strict) {
            byte[] raw = value.getBytes(StandardCharsets.UTF_8);
            ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length);
            for (int k = 0; k < raw.length; k++) {
                int b = raw[k] & 0xFF;
                if (b == '%') {
                    if (k + 2 >= raw.length || Character.digit(raw[k + 1], 16) < 0 || Character.digit(raw[k + 2], 16) < 0) {
                        return null;
                    }
                    out.write(Character.digit(raw[k + 1], 16) * 16 + Character.digit(raw[k + 2], 16));
                    k += 2;
                } else if (strict && !(Character.isLetterOrDigit(b) && b < 128 || "!#$&+-.^_`|~".indexOf(b) >= 0)) {
                    return null;
                } else {
                    out.write(b);
                }
            }
            return out.toByteArray();
        }
    }
}
