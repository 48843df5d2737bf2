package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.account.Provider;
import dev.msgbubbles.common.ChannelType;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.event.EventLog;
import dev.msgbubbles.support.Http;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/**
 * Attachments end to end over HTTP, on both stores: multipart uploads of several sizes and types, limits, sniffed
 * types and clean names, presign + PUT, single-use claims (also concurrent), expiry and removal, signed links
 * (expiry, tampering, ranges), inbound media, and attachments in message objects and events.
 */
abstract class AttachmentsContract extends MessagingFixture {
    static final int MAX_FILE = 200_000;
    static final int MAX_REQUEST = 300_000;
    private static final String BOUNDARY = "----msgbubbles-test-boundary";

    @Override
    protected Map<String, String> extraConfig() {
        // types narrowed as an operator may narrow them (the default takes any), so that refusals are tested too
        return Map.of("MSGBUBBLES_ATTACHMENT_MAX_FILE_BYTES", Integer.toString(MAX_FILE),
                "MSGBUBBLES_ATTACHMENT_MAX_REQUEST_BYTES", Integer.toString(MAX_REQUEST),
                "MSGBUBBLES_ATTACHMENT_TYPES", "image/*,audio/*,video/*,application/pdf,text/plain");
    }

    /** One file part: field name, file name, declared type, bytes. */
    record FilePart(String field, String filename, String contentType, byte[] bytes) {
    }

    static byte[] multipart(List<FilePart> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (FilePart part : parts) {
            String head = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + part.field() + "\""
                    + (part.filename() == null ? "" : "; filename=\"" + part.filename() + "\"") + "\r\n"
                    + (part.contentType() == null ? "" : "Content-Type: " + part.contentType() + "\r\n") + "\r\n";
            out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
            out.writeBytes(part.bytes());
            out.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
        }
        out.writeBytes(("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }

    Http.Response upload(String apiKey, FilePart... parts) {
        return http.send("POST", "/v1/attachments", apiKey, "multipart/form-data; boundary=" + BOUNDARY,
                multipart(List.of(parts)), Map.of());
    }

    JsonNode uploaded(String apiKey, FilePart... parts) {
        Http.Response response = upload(apiKey, parts);
        assertThat(response.status()).as(response.text()).isEqualTo(201);
        return response.json().path("data");
    }

    String uploadedId(String apiKey, FilePart part) {
        return uploaded(apiKey, part).get(0).path("id").asText();
    }

    static byte[] png(int size) {
        BufferedImage image = new BufferedImage(size, size, BufferedImage.TYPE_INT_RGB);
        Random random = new Random(size);
        for (int x = 0; x < size; x++) {
            for (int y = 0; y < size; y++) {
                image.setRGB(x, y, random.nextInt());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A PCM WAV file of {@code samples} 16-bit mono samples. */
    static byte[] wav(int samples) {
        int data = samples * 2;
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(44 + data).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        b.put("RIFF".getBytes(StandardCharsets.US_ASCII)).putInt(36 + data).put("WAVE".getBytes(StandardCharsets.US_ASCII));
        b.put("fmt ".getBytes(StandardCharsets.US_ASCII)).putInt(16).putShort((short) 1).putShort((short) 1).putInt(8000)
                .putInt(16000).putShort((short) 2).putShort((short) 16);
        b.put("data".getBytes(StandardCharsets.US_ASCII)).putInt(data);
        for (int i = 0; i < samples; i++) {
            b.putShort((short) (Math.sin(i / 4.0) * 8000));
        }
        return b.array();
    }

    static final byte[] PDF = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
            .getBytes(StandardCharsets.US_ASCII);
    static final byte[] ZIP = {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    static final byte[] MP4 = concat(new byte[] {0, 0, 0, 0x18}, "ftypmp42".getBytes(StandardCharsets.US_ASCII),
            new byte[] {0, 0, 0, 0}, "mp42isom".getBytes(StandardCharsets.US_ASCII), new byte[64]);

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    /** The path and query of a link we handed out, to request it from the test server. */
    static String local(String url) {
        URI uri = URI.create(url);
        return uri.getRawPath() + "?" + uri.getRawQuery();
    }

    Http.Bytes fetch(String url, Map<String, String> headers) {
        return http.sendForBytes("GET", local(url), null, null, null, headers);
    }

    private long attachmentRows(Sender sender) {
        return app.database().read(h -> h.createQuery("SELECT COUNT(*) FROM attachments WHERE account_id = :a")
                .bind("a", sender.account().account().id()).mapTo(Long.class).one());
    }

    private Path blobs() {
        return store.config(Map.of()).storage().dataDir().resolve("blobs");
    }

    private List<Path> blobFiles() {
        try (Stream<Path> files = Files.walk(blobs())) {
            return files.filter(Files::isRegularFile).toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String sendWith(String apiKey, String from, String to, List<String> ids, String extra) {
        Http.Response response = send(apiKey, "{\"to\":\"" + to + "\",\"from_handle\":\"" + from + "\",\"attachment_ids\":[\""
                + String.join("\",\"", ids) + "\"]" + extra + "}");
        assertThat(response.status()).as(response.text()).isEqualTo(202);
        return response.json().path("data").path("id").asText();
    }

    @Test
    void files_of_several_types_and_sizes_upload_in_one_request_with_their_real_type_and_download_intact() {
        byte[] image = png(40);
        byte[] audio = wav(40_000);
        byte[] text = "hello, plain text\n".getBytes(StandardCharsets.UTF_8);
        JsonNode files = uploaded(key,
                new FilePart("file", "photo.png", "image/png", image),
                new FilePart("file", "voice.wav", "audio/wav", audio),
                new FilePart("file", "doc.pdf", "application/pdf", PDF),
                new FilePart("notes", "notes.txt", null, text),
                new FilePart("file", "lies.txt", "text/plain", image)); // the bytes are a PNG, whatever it says
        assertThat(files.size()).isEqualTo(5);
        assertThat(files.findValuesAsText("filename")).containsExactly("photo.png", "voice.wav", "doc.pdf", "notes.txt", "lies.txt");
        assertThat(files.findValuesAsText("mime_type")).containsExactly("image/png", "audio/vnd.wave", "application/pdf",
                "text/plain", "image/png");
        assertThat(files.get(0).path("size_bytes").asLong()).isEqualTo(image.length);
        assertThat(files.get(1).path("size_bytes").asLong()).isEqualTo(audio.length);
        for (JsonNode file : files) {
            assertThat(UUID.fromString(file.path("id").asText())).isNotNull();
            assertThat(file.path("message_id").isNull()).isTrue();
            assertThat(file.path("created_at").asText()).isEqualTo(dev.msgbubbles.common.Timestamps.format(clock.instant()));
            assertThat(file.path("url").asText()).startsWith("http://127.0.0.1:" + app.port() + "/media/attachments/"
                    + file.path("id").asText() + "?expires=");
        }
        Http.Bytes download = fetch(files.get(1).path("url").asText(), Map.of());
        assertThat(download.status()).isEqualTo(200);
        assertThat(download.body()).isEqualTo(audio);
        assertThat(download.header("Content-Type")).contains("audio/vnd.wave");
        assertThat(download.header("Content-Length")).contains(Integer.toString(audio.length));
        assertThat(download.header("Accept-Ranges")).contains("bytes");
        assertThat(download.header("Content-Disposition")).contains("attachment; filename*=UTF-8''voice.wav");

        Http.Response one = http.get("/v1/attachments/" + files.get(0).path("id").asText(), key);
        assertThat(one.status()).as(one.text()).isEqualTo(200);
        assertThat(one.json().path("data").path("mime_type").asText()).isEqualTo("image/png");
        assertThat(fetch(one.json().path("data").path("url").asText(), Map.of()).body()).isEqualTo(image);
        // the same bytes twice are stored once
        String sha = app.database().read(h -> h.createQuery("SELECT sha256 FROM attachments WHERE id = :id")
                .bind("id", UUID.fromString(files.get(0).path("id").asText())).mapTo(String.class).one());
        String shaOfLie = app.database().read(h -> h.createQuery("SELECT sha256 FROM attachments WHERE id = :id")
                .bind("id", UUID.fromString(files.get(4).path("id").asText())).mapTo(String.class).one());
        assertThat(sha).isEqualTo(shaOfLie);
    }

    @Test
    void limits_types_and_shapes_are_enforced_and_a_refused_upload_leaves_nothing_behind() {
        Sender sender = newSender("att-limits", EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        String k = sender.testKey();
        FilePart small = new FilePart("file", "a.png", "image/png", png(8));
        FilePart[] eleven = new FilePart[11];
        Arrays.fill(eleven, small);
        assertError(upload(k, eleven), 400, "invalid_request", "file");
        byte[] big = concat(png(8), new byte[MAX_FILE]); // a PNG head and too many bytes
        assertError(upload(k, new FilePart("file", "big.png", "image/png", big)), 413, "payload_too_large", "file");
        byte[] half = concat(png(8), new byte[160_000]);
        assertError(upload(k, new FilePart("file", "1.png", null, half), new FilePart("file", "2.png", null, half)), 413,
                "payload_too_large", "file");
        assertError(upload(k, new FilePart("file", "archive.zip", "image/png", ZIP)), 400, "invalid_request", "file");
        assertError(upload(k, new FilePart("file", "empty.png", "image/png", new byte[0])), 400, "invalid_request", "file");
        assertError(upload(k, new FilePart("caption", null, null, "hi".getBytes(StandardCharsets.UTF_8))), 400,
                "invalid_request", "caption");
        assertError(http.send("POST", "/v1/attachments", k, "multipart/form-data; boundary=" + BOUNDARY,
                ("--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8), Map.of()), 400, "invalid_request", "file");
        assertError(http.postJson("/v1/attachments", k, "{\"file\":\"x\"}"), 400, "invalid_request", null);
        assertError(upload(k, small, new FilePart("file", "bad.zip", null, ZIP)), 400, "invalid_request", "file");
        assertThat(attachmentRows(sender)).isZero();
        try (Stream<Path> tmp = Files.list(blobs().resolve("tmp"))) {
            assertThat(tmp.toList()).as("no temporary files left").isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // the bytes the refused requests had already written are gone too
        List<String> refused = Stream.of(half, small.bytes())
                .map(bytes -> java.util.HexFormat.of().formatHex(dev.msgbubbles.common.Secrets.sha256(bytes))).toList();
        assertThat(blobFiles()).noneMatch(p -> refused.contains(p.getFileName().toString()));
    }

    /** Writes a raw request, half-closes the connection and reads the answer until the server closes it. */
    private String rawUntilClosed(byte[] request) {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", app.port())) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(request);
            socket.shutdownOutput();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void malformed_multipart_bodies_are_400_and_leave_nothing_behind() {
        Sender sender = newSender("att-malformed", EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        String k = sender.testKey();
        String type = "multipart/form-data; boundary=" + BOUNDARY;
        byte[] good = png(13); // a valid file before the broken part: its bytes must not stay either
        byte[] first = multipart(List.of(new FilePart("file", "good.png", "image/png", good)));
        byte[] lead = java.util.Arrays.copyOf(first, first.length - ("--" + BOUNDARY + "--\r\n").length());
        String disposition = "Content-Disposition: form-data; name=\"file\"; filename=";
        Map<String, byte[]> bodies = new java.util.LinkedHashMap<>();
        bodies.put("empty filename with bytes", ("--" + BOUNDARY + "\r\n" + disposition + "\"\"\r\n\r\nbytes\r\n--" + BOUNDARY + "--\r\n")
                .getBytes(StandardCharsets.UTF_8));
        for (String name : List.of("/", "..", ".", "dir/..", "a\\..")) {
            bodies.put("filename " + name, ("--" + BOUNDARY + "\r\n" + disposition + "\"" + name + "\"\r\n\r\nbytes\r\n--"
                    + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        }
        bodies.put("NUL in filename", ("--" + BOUNDARY + "\r\n" + disposition + "\"a\u0000.png\"\r\n\r\nx\r\n--" + BOUNDARY + "--\r\n")
                .getBytes(StandardCharsets.UTF_8));
        bodies.put("control character in filename", ("--" + BOUNDARY + "\r\n" + disposition + "\"a\u0007.png\"\r\n\r\nx\r\n--"
                + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        bodies.put("part header without a colon", ("--" + BOUNDARY + "\r\n" + disposition + "\"a.png\"\r\nno colon\r\n\r\nx\r\n--"
                + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        bodies.put("boundary line inside content", ("--" + BOUNDARY + "\r\n" + disposition + "\"a.png\"\r\n\r\nx\r\n--"
                + BOUNDARY + "trailing\r\nmore\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        bodies.put("100 KB filename", ("--" + BOUNDARY + "\r\n" + disposition + "\"" + "n".repeat(100_000) + ".png\"\r\n\r\nx\r\n--"
                + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        bodies.put("200 KB part header", ("--" + BOUNDARY + "\r\n" + disposition + "\"a.png\"\r\nX-Pad: " + "h".repeat(200_000)
                + "\r\n\r\nx\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        bodies.put("5,000 part headers", ("--" + BOUNDARY + "\r\n" + disposition + "\"a.png\"\r\n" + "X-A: b\r\n".repeat(5_000)
                + "\r\nx\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        bodies.put("missing closing boundary", ("--" + BOUNDARY + "\r\n" + disposition + "\"a.png\"\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8));
        for (var body : bodies.entrySet()) {
            Http.Response response = http.send("POST", "/v1/attachments", k, type, concat(lead, body.getValue()), Map.of());
            assertThat(response.status()).as(body.getKey() + ": " + response.text()).isEqualTo(400);
            assertThat(response.json().path("error").asText()).isEqualTo("invalid_request");
            assertThat(response.json().path("request_id").asText()).startsWith("req_");
        }
        for (String badType : List.of("multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
                "multipart/form-data", "multipart/form-data; boundary=" + "b".repeat(71))) {
            assertError(http.send("POST", "/v1/attachments", k, badType, first, Map.of()), 400, "invalid_request", null);
        }
        assertError(http.send("POST", "/v1/attachments", k, type, new byte[0], Map.of()), 400, "invalid_request", null);
        assertError(http.send("POST", "/v1/attachments", k, type, "no boundary in here".getBytes(StandardCharsets.UTF_8),
                Map.of()), 400, "invalid_request", null);
        // a body cut off on the wire: shorter than its Content-Length when the client stops sending
        String truncated = rawUntilClosed(concat(("POST /v1/attachments HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + k
                + "\r\nContent-Type: " + type + "\r\nContent-Length: " + (lead.length + 5000) + "\r\n\r\n")
                .getBytes(StandardCharsets.UTF_8), lead));
        assertThat(truncated).startsWith("HTTP/1.1 400 ").contains("\"error\":\"invalid_request\"");

        assertThat(attachmentRows(sender)).isZero();
        try (Stream<Path> tmp = Files.list(blobs().resolve("tmp"))) {
            assertThat(tmp.toList()).as("no temporary files left").isEmpty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String goodSha = java.util.HexFormat.of().formatHex(dev.msgbubbles.common.Secrets.sha256(good));
        assertThat(blobFiles()).noneMatch(p -> p.getFileName().toString().equals(goodSha));
    }

    @Test
    void a_file_input_left_empty_is_skipped_as_browsers_send_it() {
        String empty = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\"\r\n"
                + "Content-Type: application/octet-stream\r\n\r\n\r\n";
        byte[] withFile = concat(empty.getBytes(StandardCharsets.UTF_8),
                multipart(List.of(new FilePart("file", "photo.png", "image/png", png(14)))));
        JsonNode files = http.send("POST", "/v1/attachments", key, "multipart/form-data; boundary=" + BOUNDARY, withFile, Map.of())
                .json().path("data");
        assertThat(files.findValuesAsText("filename")).containsExactly("photo.png");
        // only empty inputs: no file at all
        assertError(http.send("POST", "/v1/attachments", key, "multipart/form-data; boundary=" + BOUNDARY,
                (empty + "--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8), Map.of()), 400, "invalid_request", "file");
    }

    @Test
    void non_ascii_file_names_arrive_intact_in_raw_utf8_and_rfc_8187() {
        JsonNode files = uploaded(key, new FilePart("file", "r\u00e9sum\u00e9 \u65e5\u672c.png", null, png(15)),
                new FilePart("file", "fallback.png\"; filename*=UTF-8''na%C3%AFve.png; x=\"", null, png(16)));
        assertThat(files.findValuesAsText("filename")).containsExactly("r\u00e9sum\u00e9 \u65e5\u672c.png", "na\u00efve.png");
        Http.Bytes download = fetch(files.get(0).path("url").asText(), Map.of());
        assertThat(download.header("Content-Disposition")).contains("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%20%E6%97%A5%E6%9C%AC.png");
    }

    @Test
    void a_download_names_its_file_in_rfc_8187_characters_only() {
        String name = "a*b'c (1)%;,=.png";
        JsonNode file = uploaded(key, new FilePart("file", name, null, png(21))).get(0);
        assertThat(file.path("filename").asText()).isEqualTo(name);
        String disposition = fetch(file.path("url").asText(), Map.of()).header("Content-Disposition").orElseThrow();
        // RFC 8187 attr-char: ALPHA DIGIT ! # $ & + - . ^ _ ` | ~; everything else, '*' too, is percent-encoded
        assertThat(disposition).isEqualTo("attachment; filename*=UTF-8''a%2Ab%27c%20%281%29%25%3B%2C%3D.png");
        String value = disposition.substring(disposition.indexOf("''") + 2);
        assertThat(value).matches("([A-Za-z0-9!#$&+\\-.^_`|~]|%[0-9A-F]{2})+");
    }

    @Test
    void file_names_are_cleaned_of_paths_and_control_characters() {
        JsonNode files = uploaded(key, new FilePart("file", "../../etc/passwd.png", null, png(9)),
                new FilePart("file", "..\\\\windows\\\\evil.png", null, png(10)),
                new FilePart("file", "...", null, png(11)));
        assertThat(files.findValuesAsText("filename")).containsExactly("passwd.png", "evil.png", "file");
    }

    @Test
    void a_file_name_never_gives_unrecognised_bytes_a_type() {
        byte[] unknown = new byte[2_000];
        new Random(7).nextBytes(unknown);
        unknown[0] = 0x13; // no magic number of any type
        // bytes Tika cannot place are application/octet-stream, whatever the name claims, so a narrowed list refuses them
        for (String name : List.of("photo.png", "clip.mp4", "voice.mp3", "doc.pdf")) {
            assertError(upload(key, new FilePart("file", name, "image/png", unknown)), 400, "invalid_request", "file");
        }
        // the same through a presigned upload, whose declared type is the client's word too
        Http.Response presign = http.postJson("/v1/attachments/presign", key,
                "{\"filename\":\"photo.png\",\"content_type\":\"image/png\"}");
        assertThat(presign.status()).as(presign.text()).isEqualTo(201);
        assertError(http.send("PUT", local(presign.json().path("data").path("upload_url").asText()), null, "image/png",
                unknown, Map.of()), 400, "invalid_request", "body");
        // a name still refines what the bytes are: text named .txt stays text, a PNG named .png a PNG
        JsonNode files = uploaded(key, new FilePart("file", "notes.txt", null, "plain words\n".getBytes(StandardCharsets.UTF_8)),
                new FilePart("file", "photo.png", null, png(14)));
        assertThat(files.findValuesAsText("mime_type")).containsExactly("text/plain", "image/png");
    }

    @Test
    void a_presigned_upload_is_put_with_its_signed_link_and_then_sent() {
        Http.Response presign = http.postJson("/v1/attachments/presign", key,
                "{\"filename\":\"demo.mp4\",\"content_type\":\"video/mp4\"}");
        assertThat(presign.status()).as(presign.text()).isEqualTo(201);
        JsonNode data = presign.json().path("data");
        String id = data.path("id").asText();
        assertThat(data.path("method").asText()).isEqualTo("PUT");
        assertThat(data.path("headers").path("content-type").asText()).isEqualTo("video/mp4");
        String uploadUrl = data.path("upload_url").asText();
        assertThat(uploadUrl).contains("/media/uploads/" + id + "?expires=");
        // no bytes yet: not sendable, no download link
        assertError(send(key, "{\"to\":\"" + to("3001") + "\",\"from_handle\":\"" + SANDBOX + "\",\"attachment_ids\":[\"" + id
                + "\"]}"), 400, "invalid_attachments", "attachment_ids");
        assertThat(http.get("/v1/attachments/" + id, key).json().path("data").path("url").isNull()).isTrue();

        String path = local(uploadUrl);
        int at = path.indexOf("signature=") + "signature=".length();
        String tampered = path.substring(0, at) + (path.charAt(at) == 'x' ? 'y' : 'x') + path.substring(at + 1);
        assertError(http.send("PUT", tampered, null, "video/mp4", MP4, Map.of()), 403, "forbidden", null);
        Http.Response put = http.send("PUT", local(uploadUrl), null, "video/mp4", MP4, Map.of());
        assertThat(put.status()).as(put.text()).isEqualTo(200);
        assertThat(put.json().path("data").path("mime_type").asText()).isEqualTo("video/mp4");
        assertThat(put.json().path("data").path("size_bytes").asLong()).isEqualTo(MP4.length);
        assertError(http.send("PUT", local(uploadUrl), null, "video/mp4", MP4, Map.of()), 409, "conflict", null);

        String message = sendWith(key, SANDBOX, to("3001"), List.of(id), "");
        JsonNode attachment = http.get("/v1/attachments/" + id, key).json().path("data");
        assertThat(attachment.path("message_id").asText()).isEqualTo(message);
        assertThat(fetch(attachment.path("url").asText(), Map.of()).body()).isEqualTo(MP4);

        assertError(http.postJson("/v1/attachments/presign", key, "{\"content_type\":\"video/mp4\"}"), 400,
                "invalid_request", "filename");
        for (String none : List.of("", " ", "/", "..", "dir/.")) {
            assertError(http.postJson("/v1/attachments/presign", key, "{\"filename\":\"" + none
                    + "\",\"content_type\":\"video/mp4\"}"), 400, "invalid_request", "filename");
        }
        assertError(http.postJson("/v1/attachments/presign", key, "{\"filename\":\"a\",\"content_type\":\"video\"}"), 400,
                "invalid_request", "content_type");
        assertError(http.postJson("/v1/attachments/presign", key, "{\"filename\":\"a\",\"content_type\":\"application/zip\"}"),
                400, "invalid_request", "content_type");
        assertError(http.postJson("/v1/attachments/presign", key, "{\"filename\":\"a\",\"content_type\":\"video/mp4\",\"x\":1}"),
                400, "invalid_request", "x");
    }

    @Test
    void an_attachment_is_used_once_and_only_by_its_own_account_and_mode() {
        String id = uploadedId(key, new FilePart("file", "once.png", null, png(12)));
        String first = sendWith(key, SANDBOX, to("3101"), List.of(id), "");
        JsonNode message = get(first);
        assertThat(message.path("attachments").size()).isEqualTo(1);
        assertThat(message.path("attachments").get(0).path("id").asText()).isEqualTo(id);
        assertThat(message.path("attachments").get(0).path("message_id").asText()).isEqualTo(first);
        String again = "{\"to\":\"" + to("3102") + "\",\"from_handle\":\"" + SANDBOX + "\",\"attachment_ids\":[\"%s\"]}";
        assertError(send(key, again.formatted(id)), 400, "invalid_attachments", "attachment_ids");
        assertError(send(key, again.formatted(UUID.randomUUID())), 400, "invalid_attachments", "attachment_ids");
        String twice = uploadedId(key, new FilePart("file", "twice.png", null, png(13)));
        assertError(send(key, "{\"to\":\"" + to("3102") + "\",\"from_handle\":\"" + SANDBOX + "\",\"attachment_ids\":[\""
                + twice + "\",\"" + twice + "\"]}"), 400, "invalid_attachments", "attachment_ids");

        Sender other = newSender("att-other", EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        String mine = uploadedId(key, new FilePart("file", "mine.png", null, png(14)));
        assertError(http.get("/v1/attachments/" + mine, other.testKey()), 404, "not_found", null);
        assertError(http.get("/v1/attachments/" + mine, app.bootstrapped().orElseThrow().liveKey().key()), 404, "not_found", null);
        assertError(send(other.testKey(), "{\"to\":\"" + to("3103") + "\",\"from_handle\":\"" + other.handle()
                + "\",\"attachment_ids\":[\"" + mine + "\"]}"), 400, "invalid_attachments", "attachment_ids");
        assertThat(http.get("/v1/attachments/" + mine, key).json().path("data").path("message_id").isNull()).isTrue();
        assertError(http.get("/v1/attachments/not-an-id", key), 404, "not_found", null);
        assertError(http.get("/v1/attachments/" + mine, null), 401, "unauthorized", null);
    }

    @Test
    void concurrent_sends_with_one_attachment_claim_it_exactly_once() throws Exception {
        Sender sender = newSender("att-race", EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        String id = uploadedId(sender.testKey(), new FilePart("file", "race.png", null, png(15)));
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Http.Response>> racers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String to = to("32" + (10 + i));
                racers.add(() -> send(sender.testKey(), "{\"to\":\"" + to + "\",\"from_handle\":\"" + sender.handle()
                        + "\",\"text\":\"race\",\"attachment_ids\":[\"" + id + "\"]}"));
            }
            int won = 0;
            for (Future<Http.Response> answer : pool.invokeAll(racers)) {
                Http.Response response = answer.get();
                if (response.status() == 202) {
                    won++;
                } else {
                    assertError(response, 400, "invalid_attachments", "attachment_ids");
                }
            }
            assertThat(won).isEqualTo(1);
        } finally {
            pool.shutdownNow();
        }
        assertThat(http.get("/v1/messages?limit=100", sender.testKey()).json().path("data").size()).isEqualTo(1);
    }

    @Test
    void concurrent_repeats_of_one_send_with_media_all_answer_its_message() throws Exception {
        Sender sender = newSender("att-repeat", EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        ExecutorService pool = Executors.newFixedThreadPool(12);
        try {
            for (int round = 0; round < 12; round++) {
                String id = uploadedId(sender.testKey(), new FilePart("file", "repeat.png", null, png(40 + round)));
                String json = "{\"to\":\"" + to("33" + (10 + round)) + "\",\"from_handle\":\"" + sender.handle()
                        + "\",\"attachment_ids\":[\"" + id + "\"]}";
                String idempotencyKey = "repeat-" + round;
                List<Callable<Http.Response>> repeats = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    long stagger = i;
                    repeats.add(() -> {
                        Thread.sleep(stagger); // spread over the first one's commit, as retries after a timeout are
                        return send(sender.testKey(), json, idempotencyKey);
                    });
                }
                java.util.Set<String> messages = new java.util.HashSet<>();
                for (Future<Http.Response> answer : pool.invokeAll(repeats)) {
                    Http.Response response = answer.get();
                    // the original (202), a replay of it (200), or one still being made (409): never a refusal of the
                    // attachment that its own original claimed
                    assertThat(response.status()).as(response.text()).isIn(200, 202, 409);
                    if (response.status() != 409) {
                        messages.add(response.json().path("data").path("id").asText());
                    } else {
                        assertThat(response.json().path("error").asText()).isEqualTo("idempotency_in_progress");
                    }
                }
                assertThat(messages).hasSize(1);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void unclaimed_uploads_expire_and_are_removed_with_their_bytes() {
        Sender sender = newSender("att-expiry", EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        byte[] bytes = png(17);
        String id = uploadedId(sender.testKey(), new FilePart("file", "old.png", null, bytes));
        String kept = uploadedId(sender.testKey(), new FilePart("file", "kept.png", null, png(18)));
        sendWith(sender.testKey(), sender.handle(), to("3301"), List.of(kept), "");
        tick(Duration.ofHours(24).plusMinutes(11)); // past the staging time and the purge's next run
        assertError(send(sender.testKey(), "{\"to\":\"" + to("3302") + "\",\"from_handle\":\"" + sender.handle()
                + "\",\"attachment_ids\":[\"" + id + "\"]}"), 400, "invalid_attachments", "attachment_ids");
        tick(Duration.ofMinutes(11));
        assertError(http.get("/v1/attachments/" + id, sender.testKey()), 404, "not_found", null);
        assertThat(http.get("/v1/attachments/" + kept, sender.testKey()).status()).isEqualTo(200);
        String sha = java.util.HexFormat.of().formatHex(dev.msgbubbles.common.Secrets.sha256(bytes));
        assertThat(blobFiles()).noneMatch(p -> p.getFileName().toString().equals(sha));
    }

    @Test
    void what_a_crash_left_half_written_in_the_scratch_directory_is_removed_by_the_purge() throws IOException {
        // a process killed mid-upload (or mid-conversion) leaves its temporary file behind: nothing else removes it
        Path tmp = blobs().resolve("tmp");
        Path stale = Files.write(tmp.resolve("upload-crashed.part"), new byte[4_096]);
        Files.setLastModifiedTime(stale, java.nio.file.attribute.FileTime.from(clock.instant().minus(Duration.ofDays(2))));
        Path live = Files.write(tmp.resolve("upload-in-progress.part"), new byte[16]);
        // touched now by the server's clock, which earlier tests of the class may have moved days past the machine's
        Files.setLastModifiedTime(live, java.nio.file.attribute.FileTime.from(clock.instant()));
        tick(Duration.ofMinutes(11)); // the purge's next run
        assertThat(stale).doesNotExist();
        // one still being written (touched within the day) is left to its writer
        Files.setLastModifiedTime(live, java.nio.file.attribute.FileTime.from(clock.instant()));
        tick(Duration.ofMinutes(11));
        assertThat(live).exists();
        Files.delete(live);
    }

    @Test
    void stored_bytes_a_crash_left_unrecorded_are_removed_by_the_purge_once_a_day_old() throws IOException {
        // a process killed after writing an upload's bytes and before recording them: a blob no attachment names
        Sender sender = newSender("att-leak", EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST, Provider.SANDBOX);
        Path leaked = blob("a4", "bytes of an upload whose process died");
        Files.setLastModifiedTime(leaked, java.nio.file.attribute.FileTime.from(clock.instant().minus(Duration.ofDays(2))));
        Path recent = blob("a5", "bytes of an upload being recorded now");
        Files.setLastModifiedTime(recent, java.nio.file.attribute.FileTime.from(clock.instant()));
        byte[] kept = png(19);
        String id = uploadedId(sender.testKey(), new FilePart("file", "kept.png", null, kept));
        sendWith(sender.testKey(), sender.handle(), to("3303"), List.of(id), "");
        Path keptBlob = blobFiles().stream().filter(p -> p.getFileName().toString()
                .equals(java.util.HexFormat.of().formatHex(dev.msgbubbles.common.Secrets.sha256(kept)))).findFirst().orElseThrow();
        Files.setLastModifiedTime(keptBlob, java.nio.file.attribute.FileTime.from(clock.instant().minus(Duration.ofDays(2))));

        tick(Duration.ofMinutes(11)); // the purge's next run
        assertThat(leaked).doesNotExist();
        assertThat(recent).as("younger than a day: an upload may be about to record it").exists();
        assertThat(keptBlob).as("an attachment's bytes").exists();
        assertThat(fetch(http.get("/v1/attachments/" + id, sender.testKey()).json().path("data").path("url").asText(),
                Map.of()).body()).isEqualTo(kept);
        Files.delete(recent);
    }

    /** Writes a file where the blob store keeps a blob of digest {@code prefix...}, as a crashed upload leaves one. */
    private Path blob(String prefix, String text) throws IOException {
        String sha = prefix + "0".repeat(60) + prefix;
        Path path = blobs().resolve(sha.substring(0, 2)).resolve(sha.substring(2, 4)).resolve(sha);
        Files.createDirectories(path.getParent());
        return Files.writeString(path, text);
    }

    @Test
    void storage_that_cannot_be_written_is_503_and_keeps_nothing() throws IOException {
        Sender sender = newSender("att-unwritable", EnumSet.of(ChannelType.IMESSAGE, ChannelType.SMS), Mode.TEST,
                Provider.SANDBOX);
        Http.Response presign = http.postJson("/v1/attachments/presign", sender.testKey(),
                "{\"filename\":\"later.png\",\"content_type\":\"image/png\"}");
        String uploadUrl = presign.json().path("data").path("upload_url").asText();
        // the scratch directory turned into a file: every write fails as on a full or failing disk (tests run as
        // root, so permissions cannot make it unwritable)
        Path tmp = blobs().resolve("tmp");
        Path aside = blobs().resolve("tmp-aside");
        Files.move(tmp, aside);
        Files.write(tmp, new byte[0]);
        try {
            Http.Response multipart = upload(sender.testKey(), new FilePart("file", "full.png", null, png(22)));
            assertError(multipart, 503, "unavailable", null);
            assertThat(multipart.header("Retry-After")).contains("1");
            Http.Response put = http.send("PUT", local(uploadUrl), null, "image/png", png(23), Map.of());
            assertError(put, 503, "unavailable", null);
            assertThat(put.header("Retry-After")).contains("1");
        } finally {
            Files.delete(tmp);
            Files.move(aside, tmp);
        }
        long ready = app.database().read(h -> h.createQuery("SELECT COUNT(*) FROM attachments WHERE account_id = :a "
                + "AND state = 'ready'").bind("a", sender.account().account().id()).mapTo(Long.class).one());
        assertThat(ready).isZero();
        // once the disk has room again, the same link takes the bytes: nothing was used up
        Http.Response retried = http.send("PUT", local(uploadUrl), null, "image/png", png(23), Map.of());
        assertThat(retried.status()).as(retried.text()).isEqualTo(200);
    }

    @Test
    void a_message_sent_or_retried_after_its_links_lifetime_goes_out_with_links_signed_anew() {
        // the links in a message object work for MSGBUBBLES_ATTACHMENT_MESSAGE_LINK_DAYS (7) from when they are signed
        byte[] bytes = png(33);
        String a = uploadedId(key, new FilePart("file", "later.png", null, bytes));
        String id = sendWith(key, SANDBOX, to("3405"), List.of(a),
                ",\"scheduled_at\":\"" + clock.instant().plus(Duration.ofDays(10)) + "\"");
        tick(Duration.ofDays(10)); // its time: it joins its thread, links signed again
        tick(Duration.ZERO);
        tick(Duration.ofMillis(200));
        JsonNode message = get(id);
        assertThat(message.path("status").asText()).isEqualTo("delivered");
        assertThat(fetch(message.path("attachments").get(0).path("url").asText(), Map.of()).status())
                .as("the link of a message sent 10 days after it was scheduled").isEqualTo(200);
        assertThat(sentEvents(id)).allSatisfy(event -> assertThat(
                fetch(event.path("attachments").get(0).path("url").asText(), Map.of()).status())
                .as("the link in its " + event.path("status").asText() + " event").isEqualTo(200));
        clock.advance(Duration.ofDays(6)); // 7 days from its sending, not from its scheduling
        assertThat(fetch(get(id).path("attachments").get(0).path("url").asText(), Map.of()).status()).isEqualTo(200);

        String b = uploadedId(key, new FilePart("file", "again.png", null, png(34)));
        String failing = sendWith(key, SANDBOX, to("0666"), List.of(b), "");
        tick(Duration.ZERO);
        assertThat(status(failing)).isEqualTo("failed");
        clock.advance(Duration.ofDays(8));
        Http.Response retried = http.postJson("/v1/messages/" + failing + "/retry", key, "{}");
        assertThat(retried.status()).as(retried.text()).isEqualTo(202);
        assertThat(fetch(retried.json().path("data").path("attachments").get(0).path("url").asText(), Map.of()).status())
                .as("the link of a message retried 8 days after it was sent").isEqualTo(200);
    }

    /** The snapshots of message {@code id} in its events from its sending on (status sent or later). */
    private List<JsonNode> sentEvents(String id) {
        var account = app.bootstrapped().orElseThrow().account().id();
        List<JsonNode> sent = app.database().read(h -> new EventLog(EventLog.Fanout.NONE).after(h, account, Mode.TEST, 0,
                100_000)).stream().filter(e -> e.payload().contains(id)).map(e -> Http.parse(e.payload()))
                .filter(s -> List.of("sent", "delivered", "read").contains(s.path("status").asText())).toList();
        assertThat(sent).isNotEmpty();
        return sent;
    }

    @Test
    void download_links_expire_refuse_tampering_and_serve_ranges() {
        byte[] bytes = png(30);
        String id = uploadedId(key, new FilePart("file", "range.png", null, bytes));
        String url = http.get("/v1/attachments/" + id, key).json().path("data").path("url").asText();
        Http.Bytes head = fetch(url, Map.of("Range", "bytes=0-9"));
        assertThat(head.status()).isEqualTo(206);
        assertThat(head.body()).isEqualTo(Arrays.copyOfRange(bytes, 0, 10));
        assertThat(head.header("Content-Range")).contains("bytes 0-9/" + bytes.length);
        assertThat(fetch(url, Map.of("Range", "bytes=10-")).body()).isEqualTo(Arrays.copyOfRange(bytes, 10, bytes.length));
        assertThat(fetch(url, Map.of("Range", "bytes=-5")).body())
                .isEqualTo(Arrays.copyOfRange(bytes, bytes.length - 5, bytes.length));
        Http.Bytes beyond = fetch(url, Map.of("Range", "bytes=" + bytes.length + "-"));
        assertThat(beyond.status()).isEqualTo(416);
        assertThat(beyond.header("Content-Range")).contains("bytes */" + bytes.length);
        assertThat(fetch(url, Map.of("Range", "bytes=abc")).status()).isEqualTo(200);

        String path = local(url);
        String otherId = uploadedId(key, new FilePart("file", "other.png", null, png(31)));
        for (String bad : List.of(path.replace(id, otherId), path.replaceAll("signature=[^&]+", "signature=AAAA"),
                path.replaceAll("expires=\\d+", "expires=99999999999"), path.substring(0, path.indexOf('?')))) {
            Http.Response refused = http.send("GET", bad, null, null, null, Map.of());
            assertError(refused, 403, "forbidden", null);
        }
        clock.advance(Duration.ofHours(1).plusSeconds(1));
        assertError(http.send("GET", path, null, null, null, Map.of()), 403, "forbidden", null);
        String fresh = http.get("/v1/attachments/" + id, key).json().path("data").path("url").asText();
        assertThat(fetch(fresh, Map.of()).body()).isEqualTo(bytes);
    }

    @Test
    void a_download_link_answers_head_with_the_headers_of_its_get() {
        byte[] bytes = png(33);
        String url = uploaded(key, new FilePart("file", "head.png", null, bytes)).get(0).path("url").asText();
        Http.Bytes head = http.sendForBytes("HEAD", local(url), null, null, null, Map.of());
        assertThat(head.status()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        assertThat(head.header("Content-Length")).contains(Integer.toString(bytes.length));
        assertThat(head.header("Accept-Ranges")).contains("bytes");
        assertThat(head.header("Content-Type")).contains("image/png");
        assertThat(head.header("Content-Disposition")).contains("attachment; filename*=UTF-8''head.png");
        Http.Bytes ranged = http.sendForBytes("HEAD", local(url), null, null, null, Map.of("Range", "bytes=-5"));
        assertThat(ranged.status()).isEqualTo(206);
        assertThat(ranged.header("Content-Range")).contains("bytes " + (bytes.length - 5) + "-" + (bytes.length - 1) + "/"
                + bytes.length);
        String tampered = local(url).replaceAll("signature=[^&]+", "signature=AAAA");
        assertThat(http.sendForBytes("HEAD", tampered, null, null, null, Map.of()).status()).isEqualTo(403);
        // the same connection carries on after a HEAD: no body was expected or sent
        assertThat(fetch(url, Map.of()).body()).isEqualTo(bytes);
    }

    @Test
    void a_range_under_an_if_range_is_ignored_since_downloads_carry_no_validator() {
        byte[] bytes = png(32);
        String url = uploaded(key, new FilePart("file", "resume.png", null, bytes)).get(0).path("url").asText();
        Http.Bytes ranged = fetch(url, Map.of("Range", "Bytes=0-9"));
        assertThat(ranged.status()).isEqualTo(206);
        assertThat(ranged.body()).isEqualTo(Arrays.copyOfRange(bytes, 0, 10));
        // a download sends no ETag or Last-Modified, so no If-Range can match it: the Range must be ignored
        // (RFC 9110 section 13.1.5), and the whole file answered, lest a resumed download splice two files
        for (String validator : List.of("\"0123abcd\"", "Mon, 07 Dec 2026 10:00:00 GMT")) {
            Http.Bytes whole = fetch(url, Map.of("Range", "bytes=0-9", "If-Range", validator));
            assertThat(whole.status()).as(validator).isEqualTo(200);
            assertThat(whole.body()).isEqualTo(bytes);
            assertThat(whole.header("Content-Range")).isEmpty();
        }
    }

    @Test
    void messages_list_their_attachments_in_order_in_every_snapshot_and_carry_them_through_the_network() {
        String a = uploadedId(key, new FilePart("file", "a.png", null, png(19)));
        String b = uploadedId(key, new FilePart("file", "b.pdf", null, PDF));
        String id = sendWith(key, SANDBOX, to("3401"), List.of(a, b), ",\"text\":\"see attached\"");
        tick(Duration.ZERO);
        tick(Duration.ofMillis(200));
        JsonNode message = get(id);
        assertThat(message.path("status").asText()).isEqualTo("delivered");
        assertThat(message.path("attachments").findValuesAsText("id")).containsExactly(a, b);
        assertThat(message.path("attachments").findValuesAsText("filename")).containsExactly("a.png", "b.pdf");
        assertThat(fetch(message.path("attachments").get(1).path("url").asText(), Map.of()).body()).isEqualTo(PDF);
        var account = app.bootstrapped().orElseThrow().account().id();
        List<JsonNode> snapshots = app.database().read(h -> new EventLog(EventLog.Fanout.NONE).after(h, account, Mode.TEST, 0,
                100_000)).stream().filter(e -> e.payload().contains(id)).map(e -> Http.parse(e.payload())).toList();
        assertThat(snapshots).hasSizeGreaterThanOrEqualTo(3);
        assertThat(snapshots).allSatisfy(s -> assertThat(s.path("attachments").findValuesAsText("id")).containsExactly(a, b));
        // listed too
        JsonNode listed = http.get("/v1/messages?conversation_id=" + message.path("conversation_id").asText(), key).json()
                .path("data").get(0);
        assertThat(listed.path("attachments").size()).isEqualTo(2);
        // media alone is a message; a voice memo is exactly one audio attachment
        String photo = uploadedId(key, new FilePart("file", "c.png", null, png(20)));
        assertError(send(key, "{\"to\":\"" + to("3402") + "\",\"from_handle\":\"" + SANDBOX + "\",\"voice_memo\":true,"
                + "\"attachment_ids\":[\"" + photo + "\"]}"), 400, "invalid_request", "voice_memo");
        assertThat(get(sendWith(key, SANDBOX, to("3402"), List.of(photo), "")).path("text").isNull()).isTrue();
        // a playlist, typed audio by its content, is no sound: ffmpeg would read the files it names into the memo
        String playlist = uploadedId(key, new FilePart("file", "memo.m3u", null,
                "#EXTM3U\r\n/var/lib/secret.mp3\r\n".getBytes(StandardCharsets.UTF_8)));
        assertThat(http.get("/v1/attachments/" + playlist, key).json().path("data").path("mime_type").asText())
                .isEqualTo("audio/x-mpegurl");
        assertError(send(key, "{\"to\":\"" + to("3402") + "\",\"from_handle\":\"" + SANDBOX + "\",\"voice_memo\":true,"
                + "\"attachment_ids\":[\"" + playlist + "\"]}"), 400, "invalid_request", "voice_memo");
        String voice = uploadedId(key, new FilePart("file", "memo.wav", null, wav(8000)));
        String memo = sendWith(key, SANDBOX, to("3403"), List.of(voice), ",\"voice_memo\":true");
        tick(Duration.ZERO); // converted to Opus in CAF by ffmpeg in the send job, then carried by the sandbox
        assertThat(status(memo)).isEqualTo("sent");
    }

    @Test
    void a_voice_memo_waits_out_a_full_disk_instead_of_failing() throws IOException {
        String voice = uploadedId(key, new FilePart("file", "wait.wav", null, wav(8000)));
        // the conversion's scratch space cannot be written (a file in place of blobs/tmp, as on a full disk)
        Path tmp = blobs().resolve("tmp");
        Path aside = blobs().resolve("tmp-aside");
        Files.move(tmp, aside);
        Files.write(tmp, new byte[0]);
        String memo;
        try {
            memo = sendWith(key, SANDBOX, to("3601"), List.of(voice), ",\"voice_memo\":true");
            tick(Duration.ZERO);
            // an outage of the server's own storage, like the database's: the send waits, it is not the media's fault
            assertThat(status(memo)).isEqualTo("queued");
        } finally {
            Files.delete(tmp);
            Files.move(aside, tmp);
        }
        tick(Duration.ofMinutes(1));
        assertThat(status(memo)).isEqualTo("sent");
    }

    @Test
    void contacts_send_media_that_is_stored_and_exposed_the_same_way() {
        byte[] bytes = png(21);
        String id = uploadedId(key, new FilePart("file", "from-contact.png", null, bytes));
        Http.Response inbound = http.postJson("/v1/sandbox/inbound", key, "{\"from\":\"" + to("3501") + "\",\"to_handle\":\""
                + SANDBOX + "\",\"attachment_ids\":[\"" + id + "\"]}");
        assertThat(inbound.status()).as(inbound.text()).isEqualTo(202);
        JsonNode message = inbound.json().path("data");
        assertThat(message.path("direction").asText()).isEqualTo("inbound");
        assertThat(message.path("text").isNull()).isTrue();
        assertThat(message.path("attachments").get(0).path("id").asText()).isEqualTo(id);
        assertThat(fetch(message.path("attachments").get(0).path("url").asText(), Map.of()).body()).isEqualTo(bytes);
        assertThat(http.get("/v1/attachments/" + id, key).json().path("data").path("message_id").asText())
                .isEqualTo(message.path("id").asText());
        assertError(http.postJson("/v1/sandbox/inbound", key, "{\"from\":\"" + to("3501") + "\",\"to_handle\":\"" + SANDBOX
                + "\",\"attachment_ids\":[\"" + id + "\"]}"), 400, "invalid_attachments", "attachment_ids");
        assertError(http.postJson("/v1/sandbox/inbound", key, "{\"from\":\"" + to("3501") + "\",\"to_handle\":\"" + SANDBOX
                + "\",\"attachment_ids\":[\"nope\"]}"), 400, "invalid_attachments", "attachment_ids");
        // an id is read only in its canonical form, as everywhere else: 01a25039-9740-… spelled 1a25039-09740-…
        String other = uploadedId(key, new FilePart("file", "spelled.png", null, png(22)));
        assertThat(other).startsWith("0");
        String spelled = other.substring(1, 8) + "-0" + other.substring(9);
        assertThat(UUID.fromString(spelled)).as("the JDK reads it as the same id").isEqualTo(UUID.fromString(other));
        assertError(http.postJson("/v1/sandbox/inbound", key, "{\"from\":\"" + to("3501") + "\",\"to_handle\":\"" + SANDBOX
                + "\",\"attachment_ids\":[\"" + spelled + "\"]}"), 400, "invalid_attachments", "attachment_ids");
        assertThat(http.get("/v1/attachments/" + other, key).json().path("data").path("message_id").isNull()).isTrue();
    }

    @Test
    void a_0777_contact_echoing_a_message_of_media_only_echoes_no_text() {
        String photo = uploadedId(key, new FilePart("file", "for-echo.png", null, png(22)));
        String id = sendWith(key, SANDBOX, "+13125560777", List.of(photo), "");
        String conversation = get(id).path("conversation_id").asText();
        tick(Duration.ZERO);
        tick(Duration.ofMillis(200)); // delivered
        tick(Duration.ofMillis(100)); // typing
        tick(Duration.ofMillis(900)); // read
        tick(Duration.ofSeconds(1)); // reply and like
        JsonNode reply = http.get("/v1/messages?conversation_id=" + conversation, key).json().path("data").get(0);
        assertThat(reply.path("direction").asText()).isEqualTo("inbound");
        assertThat(reply.path("text").asText()).isEqualTo("echo: ");
    }
}
