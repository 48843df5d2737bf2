package dev.msgbubbles;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.msgbubbles.support.Http;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code MSGBUBBLES_ATTACHMENT_MAX_FILE_BYTES} is the limit of a presigned {@code PUT}, also when it is larger than
 * {@code MSGBUBBLES_ATTACHMENT_MAX_REQUEST_BYTES}: presigned uploads are the way to send files too large to go
 * through the API's multipart endpoint, so an operator keeps multipart requests small and files large.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PresignedFileLimitIT {
    private static final int MAX_FILE = 4_000_000;
    private static final int MAX_REQUEST = 500_000;

    @Test
    void a_presigned_upload_larger_than_a_multipart_request_may_be_is_taken_up_to_the_file_limit() {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-23T10:00:00Z"));
        try (TestStore store = TestStore.sqlite();
             App app = App.start(store.config(Map.of("MSGBUBBLES_WORKER_ENABLED", "false",
                     "MSGBUBBLES_ATTACHMENT_MAX_FILE_BYTES", Integer.toString(MAX_FILE),
                     "MSGBUBBLES_ATTACHMENT_MAX_REQUEST_BYTES", Integer.toString(MAX_REQUEST))), clock)) {
            Http http = new Http(app.port());
            String key = app.bootstrapped().orElseThrow().testKey().key();
            // well over the multipart request limit and its framing allowance (1 MiB), under the file limit
            byte[] video = new byte[3_000_000];
            byte[] head = AttachmentsContract.MP4;
            System.arraycopy(head, 0, video, 0, head.length);
            String uploadUrl = presign(http, key);
            Http.Response put = http.send("PUT", local(uploadUrl), null, "video/mp4", video, Map.of());
            assertThat(put.status()).as(put.text()).isEqualTo(200);
            assertThat(put.json().path("data").path("size_bytes").asLong()).isEqualTo(video.length);

            // over the file limit it is still refused, before a byte is stored
            Http.Response over = http.send("PUT", local(presign(http, key)), null, "video/mp4", new byte[MAX_FILE + 1],
                    Map.of());
            assertThat(over.status()).as(over.text()).isEqualTo(413);
            assertThat(over.json().path("error").asText()).isEqualTo("payload_too_large");
        }
    }

    private static String presign(Http http, String key) {
        Http.Response presign = http.postJson("/v1/attachments/presign", key,
                "{\"filename\":\"long.mp4\",\"content_type\":\"video/mp4\"}");
        assertThat(presign.status()).as(presign.text()).isEqualTo(201);
        JsonNode data = presign.json().path("data");
        return data.path("upload_url").asText();
    }

    private static String local(String url) {
        URI uri = URI.create(url);
        return uri.getRawPath() + "?" + uri.getRawQuery();
    }
}
