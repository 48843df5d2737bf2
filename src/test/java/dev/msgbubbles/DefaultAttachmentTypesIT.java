package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * With the default {@code MSGBUBBLES_ATTACHMENT_TYPES}, files of any type are taken, as the hosted API promises
 * ("images, video, files"): an archive, a Word document and bytes of no known type upload, presign and send like
 * images do. {@code AttachmentsContract} tests refusals under a narrowed list.
 */
class DefaultAttachmentTypesIT {
    private static final String BOUNDARY = "----default-types";
    private static final byte[] ZIP = {'P', 'K', 3, 4, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, 0, 0, 0};

    private static byte[] multipart(String filename, byte[] bytes) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"" + filename
                + "\"\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.UTF_8));
        body.writeBytes(bytes);
        body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return body.toByteArray();
    }

    @Test
    void files_of_any_type_upload_presign_and_send() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
        try (TestStore store = TestStore.sqlite();
             App app = App.start(store.config(Map.of("MSGBUBBLES_WORKER_ENABLED", "false",
                     "MSGBUBBLES_SANDBOX_TIME_SCALE", "0")), clock)) {
            Http http = new Http(app.port());
            String key = app.bootstrapped().orElseThrow().testKey().key();
            byte[] unknown = new byte[64];
            for (int i = 0; i < unknown.length; i++) {
                unknown[i] = (byte) (i * 37 + 11);
            }
            StringBuilder ids = new StringBuilder();
            for (var file : Map.of("archive.zip", ZIP, "data.bin", unknown).entrySet()) {
                Http.Response upload = http.send("POST", "/v1/attachments", key, "multipart/form-data; boundary=" + BOUNDARY,
                        multipart(file.getKey(), file.getValue()), Map.of());
                assertThat(upload.status()).as(upload.text()).isEqualTo(201);
                JsonNode created = upload.json().path("data").get(0);
                assertThat(created.path("filename").asText()).isEqualTo(file.getKey());
                // whatever it holds, a download is a file to save, never a page a browser renders
                java.net.URI link = java.net.URI.create(created.path("url").asText());
                Http.Bytes download = http.sendForBytes("GET", link.getRawPath() + "?" + link.getRawQuery(), null, null,
                        null, Map.of());
                assertThat(download.body()).isEqualTo(file.getValue());
                assertThat(download.header("Content-Disposition")).contains("attachment; filename*=UTF-8''" + file.getKey());
                assertThat(download.header("X-Content-Type-Options")).contains("nosniff");
                ids.append(ids.isEmpty() ? "" : ",").append('"').append(created.path("id").asText()).append('"');
            }
            Http.Response presign = http.postJson("/v1/attachments/presign", key, "{\"filename\":\"report.docx\","
                    + "\"content_type\":\"application/vnd.openxmlformats-officedocument.wordprocessingml.document\"}");
            assertThat(presign.status()).as(presign.text()).isEqualTo(201);

            Http.Response sent = http.postJson("/v1/messages", key, "{\"to\":\"+14155551234\",\"from_handle\":"
                    + "\"+18005550100\",\"attachment_ids\":[" + ids + "]}");
            assertThat(sent.status()).as(sent.text()).isEqualTo(202);
            app.worker().drain();
            JsonNode message = http.get("/v1/messages/" + sent.json().path("data").path("id").asText(), key).json()
                    .path("data");
            assertThat(message.path("status").asText()).isEqualTo("read");
            assertThat(message.path("attachments")).hasSize(2);
        }
    }
}
