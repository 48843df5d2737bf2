package dev.msgbubbles.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The multipart/form-data reader: framing (preamble, boundaries, transport padding, epilogue, parts that contain
 * boundary-like bytes, parts across buffer refills), names (raw UTF-8, ISO-8859-1, RFC 8187 {@code filename*},
 * percent-escapes, quoting) and every malformed body as a 400 {@code invalid_request}, never another exception.
 */
class MultipartReaderTest {
    private static final String B = "XyZ";

    record Read(String name, Optional<String> filename, byte[] bytes) {
        String text() {
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }

    /** Reads every part whole; {@code chunk} is the most bytes the source hands out per read (1 stresses refills). */
    static List<Read> read(byte[] body, int chunk) {
        InputStream source = new ByteArrayInputStream(body) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, chunk));
            }
        };
        MultipartReader reader = new MultipartReader(source, B);
        List<Read> parts = new ArrayList<>();
        while (reader.hasNext()) {
            ApiRequest.Part part = reader.next();
            try {
                parts.add(new Read(part.name(), part.fileName(), part.content().readAllBytes()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return parts;
    }

    static List<Read> read(String body) {
        return read(body.getBytes(StandardCharsets.UTF_8), Integer.MAX_VALUE);
    }

    static void assertInvalid(String body, String message) {
        assertInvalid(body.getBytes(StandardCharsets.UTF_8), message);
    }

    static void assertInvalid(byte[] body, String message) {
        assertThatThrownBy(() -> read(body, Integer.MAX_VALUE)).isInstanceOfSatisfying(ApiException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
            assertThat(e.getMessage()).contains(message);
        });
    }

    private static String part(String disposition, String content) {
        return "--" + B + "\r\nContent-Disposition: " + disposition + "\r\n\r\n" + content + "\r\n";
    }

    @Test
    void parts_are_read_in_order_with_their_names_ignoring_preamble_padding_and_epilogue() {
        String body = "a preamble\r\n" + part("form-data; name=\"file\"; filename=\"a.txt\"", "first")
                + "--" + B + " \t\r\nContent-Type: text/plain\r\ncontent-disposition: form-data; name=notes; filename=b.txt\r\n\r\n"
                + "second\r\n-" + B + " is not a delimiter\r\n"
                + part("form-data; name=\"caption\"", "") + "--" + B + "--\r\nan epilogue";
        List<Read> parts = read(body);
        assertThat(parts).extracting(Read::name).containsExactly("file", "notes", "caption");
        assertThat(parts).extracting(Read::filename).containsExactly(Optional.of("a.txt"), Optional.of("b.txt"), Optional.empty());
        assertThat(parts.get(0).text()).isEqualTo("first");
        assertThat(parts.get(1).text()).isEqualTo("second\r\n-" + B + " is not a delimiter");
        assertThat(parts.get(2).text()).isEmpty();
    }

    @Test
    void binary_content_with_boundary_like_bytes_survives_every_read_size() {
        Random random = new Random(7);
        byte[] content = new byte[200_000];
        random.nextBytes(content);
        byte[] near = ("\r\n--" + B.substring(0, 2) + "\r\n--" + "\r\n-").getBytes(StandardCharsets.US_ASCII);
        for (int at = 0; at < content.length - near.length; at += 9_973) {
            System.arraycopy(near, 0, content, at, near.length);
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.bin\"\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(content);
        body.writeBytes(("\r\n" + part("form-data; name=\"file\"; filename=\"y.bin\"", "tail") + "--" + B + "--")
                .getBytes(StandardCharsets.US_ASCII));
        for (int chunk : new int[] {1, 7, 4096, 65_536, Integer.MAX_VALUE}) {
            List<Read> parts = read(body.toByteArray(), chunk);
            assertThat(parts).hasSize(2);
            assertThat(parts.get(0).bytes()).as("chunk %d", chunk).isEqualTo(content);
            assertThat(parts.get(1).text()).isEqualTo("tail");
        }
    }

    @Test
    void a_part_left_unread_is_skipped() {
        MultipartReader reader = new MultipartReader(new ByteArrayInputStream((part("form-data; name=a; filename=a", "x".repeat(100_000))
                + part("form-data; name=b; filename=b", "y") + "--" + B + "--").getBytes(StandardCharsets.US_ASCII)), B);
        assertThat(reader.next().name()).isEqualTo("a");
        assertThat(reader.next().name()).isEqualTo("b");
        assertThat(reader.hasNext()).isFalse();
    }

    @Test
    void file_names_in_utf8_latin1_rfc8187_and_percent_escapes() {
        byte[] latin1 = ("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"r\u00e9sum\u00e9.txt\"\r\n\r\nx\r\n--"
                + B + "--").getBytes(StandardCharsets.ISO_8859_1);
        assertThat(read(latin1, Integer.MAX_VALUE).getFirst().filename()).contains("r\u00e9sum\u00e9.txt");
        List<Read> parts = read(part("form-data; name=\"file\"; filename=\"r\u00e9sum\u00e9 \ud83d\ude00.txt\"", "x")
                + part("form-data; name=\"file\"; filename=\"fallback.txt\"; filename*=UTF-8''na%C3%AFve%20file.txt", "x")
                + part("form-data; name=\"file\"; filename*=iso-8859-1'en'caf%E9.txt", "x")
                + part("form-data; name=\"file\"; filename=\"a%22quoted%22 100% a+b.txt\"", "x")
                + part("form-data; name=\"file\"; filename=\"r%C3%A9sum%C3%A9.txt\"", "x")
                + part("form-data; name=\"file\"; filename=\"say \\\"hi\\\".txt\"; size=3", "x")
                + part("form-data; name=\"file\"; filename=\"C:\\fakepath\\x.png\"", "x")
                + part("form-data; name=\"file\"; filename=\"kept.txt\"; filename*=bogus''x", "x")
                + part("form-data; name=\"file\"; filename=\"a;b.txt\"", "x")
                + part("form-data; name=\"file\"; filename=\"\"", "")
                + "--" + B + "--");
        assertThat(parts).extracting(p -> p.filename().orElseThrow()).containsExactly("r\u00e9sum\u00e9 \ud83d\ude00.txt",
                "na\u00efve file.txt", "caf\u00e9.txt", "a%22quoted%22 100% a+b.txt", "r\u00e9sum\u00e9.txt",
                "say \"hi\".txt", "C:\\fakepath\\x.png", "kept.txt", "a;b.txt", "");
        // escapes that are all valid decode; a name with one invalid escape is kept exactly as sent
        assertThat(MultipartReader.Disposition.percentDecoded("a%22b%0A.txt")).isEqualTo("a\"b\n.txt");
    }

    @Test
    void boundaries_follow_rfc_2046() {
        assertThat(MultipartReader.validBoundary("XyZ")).isTrue();
        assertThat(MultipartReader.validBoundary("----WebKitFormBoundary7MA4YWxkTrZu0gW")).isTrue();
        assertThat(MultipartReader.validBoundary("a b")).isTrue();
        assertThat(MultipartReader.validBoundary("")).isFalse();
        assertThat(MultipartReader.validBoundary("a ")).isFalse();
        assertThat(MultipartReader.validBoundary("x".repeat(71))).isFalse();
        assertThat(MultipartReader.validBoundary("a\"b")).isFalse();
    }

    @Test
    void every_malformed_body_is_400_invalid_request() {
        String head = "--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\n";
        assertInvalid("", "does not occur");
        assertInvalid("no boundary at all", "does not occur");
        assertInvalid(head + "\r\ncontent without its closing boundary", "ended before the closing boundary");
        assertInvalid(head + "\r\ncontent\r\n--" + B, "ended inside a boundary line");
        assertInvalid(head + "\r\ncontent\r\n--" + B + "junk\r\n", "other characters after the boundary");
        assertInvalid(head + "no colon here\r\n\r\nx\r\n--" + B + "--", "not 'Name: value'");
        assertInvalid(head + ": no name\r\n\r\nx\r\n--" + B + "--", "not 'Name: value'");
        assertInvalid(head, "ended inside a part's headers");
        assertInvalid("--" + B + "\r\nContent-Type: text/plain\r\n\r\nx\r\n--" + B + "--", "no Content-Disposition");
        assertInvalid("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\u0000b\"\r\n\r\nx\r\n--" + B + "--",
                "control character");
        assertInvalid("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\u001bb\"\r\n\r\nx\r\n--" + B + "--",
                "control character");
        assertInvalid("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\nb\"\r\n\r\nx\r\n--" + B + "--",
                "control character");
        assertInvalid("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"unclosed\r\n\r\nx\r\n--" + B + "--",
                "not closed");
        assertInvalid("--" + B + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + "n".repeat(100_000)
                + "\"\r\n\r\nx\r\n--" + B + "--", "exceed " + MultipartReader.MAX_HEADER_BYTES);
        assertInvalid("--" + B + "\r\nX-Big: " + "h".repeat(200_000) + "\r\n\r\nx\r\n--" + B + "--",
                "exceed " + MultipartReader.MAX_HEADER_BYTES);
        assertInvalid(head + "X-A: b\r\n".repeat(5_000) + "\r\nx\r\n--" + B + "--", "exceed " + MultipartReader.MAX_HEADER_BYTES);
        assertInvalid("--" + B + "\r\nX-Big: " + "h".repeat(200_000), "exceed " + MultipartReader.MAX_HEADER_BYTES);
    }

    @Test
    void a_body_that_cannot_be_read_is_the_clients_unreadable_body() {
        InputStream failing = new InputStream() {
            @Override
            public int read() throws IOException {
                throw new IOException("connection reset");
            }
        };
        assertThatThrownBy(() -> new MultipartReader(failing, B).hasNext()).isInstanceOf(ClientBody.Unreadable.class);
    }

    /** Seeded: random cuts and byte flips of a valid body give parts or a 400, nothing else. */
    @Test
    void mangled_bodies_give_parts_or_400_and_nothing_else() {
        byte[] valid = (part("form-data; name=\"file\"; filename=\"a.txt\"", "some content")
                + part("form-data; name=\"file\"; filename*=UTF-8''b%C3%A9.txt", "more") + "--" + B + "--\r\n")
                .getBytes(StandardCharsets.UTF_8);
        Random random = new Random(20261123L);
        for (int i = 0; i < 5_000; i++) {
            byte[] body = java.util.Arrays.copyOf(valid, random.nextInt(valid.length + 1));
            for (int flips = random.nextInt(4); flips > 0 && body.length > 0; flips--) {
                body[random.nextInt(body.length)] = (byte) (random.nextBoolean() ? random.nextInt(256) : "\r\n-:;\"%'="
                        .charAt(random.nextInt(9)));
            }
            try {
                read(body, 1 + random.nextInt(40));
            } catch (ApiException e) {
                assertThat(e.code()).isEqualTo(ErrorCode.INVALID_REQUEST);
            }
        }
    }
}
