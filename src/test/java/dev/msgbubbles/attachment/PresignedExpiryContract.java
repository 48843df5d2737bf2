package dev.msgbubbles.attachment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.msgbubbles.common.ApiException;
import dev.msgbubbles.common.ErrorCode;
import dev.msgbubbles.common.Mode;
import dev.msgbubbles.db.Database;
import dev.msgbubbles.support.MutableClock;
import dev.msgbubbles.support.TestStore;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalLong;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The expiry job against presigned uploads: an attachment is never removed while its upload link still works, and
 * one whose staging time runs out while its bytes stream in is answered as gone, not as "already uploaded". Manual
 * clock; the expiry job runs by hand.
 */
abstract class PresignedExpiryContract {
    private static final Instant START = Instant.parse("2026-05-01T00:00:00Z");
    private final MutableClock clock = new MutableClock(START);
    private UUID account;
    private TestStore store;
    private Database db;

    @TempDir
    Path dir;

    abstract TestStore newStore();

    @BeforeEach
    void open() {
        store = newStore();
        db = store.open();
        account = new dev.msgbubbles.account.AccountAdmin(db, clock).create("presigned").account().id();
    }

    @AfterEach
    void close() {
        db.close();
        store.close();
    }

    private Attachments attachments(Duration staging, Duration linkTtl) {
        LocalBlobStore blobs = new LocalBlobStore(dir.resolve("blobs"));
        return new Attachments(db, clock, blobs, new LinkSigner(new byte[32], () -> URI.create("http://127.0.0.1"), clock),
                new Attachments.Limits(1_000_000, 1_000_000, 10, List.of("*/*"), staging, linkTtl, Duration.ofDays(7),
                        1_000_000),
                new MediaConverter("ffmpeg", blobs, Duration.ofSeconds(10)));
    }

    /** The {@code expires} and {@code signature} of an upload link. */
    private static String[] signed(String uploadUrl) {
        String query = URI.create(uploadUrl).getQuery();
        return new String[] {query.replaceFirst("^expires=(\\d+)&.*$", "$1"), query.replaceFirst("^.*signature=", "")};
    }

    private static InputStream bytes(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void a_presigned_upload_is_kept_while_its_link_works_even_past_a_shorter_staging_time() {
        Attachments attachments = attachments(Duration.ofHours(1), Duration.ofHours(2));
        Attachments.Presigned presigned = attachments.presign(account, Mode.TEST, "notes.txt", "text/plain");
        String[] link = signed(presigned.uploadUrl());

        clock.advance(Duration.ofMinutes(90)); // past the staging time, the link still good
        attachments.purgeExpired(100);
        AttachmentView view = attachments.receiveUpload(presigned.id(), link[0], link[1], OptionalLong.empty(),
                () -> bytes("the notes"));
        assertThat(view.sizeBytes()).isEqualTo(9);

        clock.advance(Duration.ofMinutes(31)); // past the link's lifetime: unclaimed, it goes
        attachments.purgeExpired(100);
        assertThatThrownBy(() -> attachments.get(account, Mode.TEST, presigned.id()))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND));
    }

    @Test
    void an_upload_whose_attachment_expires_while_its_bytes_stream_in_is_told_it_is_gone() {
        Attachments attachments = attachments(Duration.ofHours(1), Duration.ofMinutes(30));
        Attachments.Presigned presigned = attachments.presign(account, Mode.TEST, "slow.txt", "text/plain");
        String[] link = signed(presigned.uploadUrl());
        clock.advance(Duration.ofMinutes(29));
        // a slow upload: by the time its last byte is in, the staging time has run out and the expiry job has run
        InputStream slow = new ByteArrayInputStream("slow bytes".getBytes(StandardCharsets.UTF_8)) {
            private boolean purged;

            @Override
            public synchronized int read(byte[] b, int off, int len) {
                int n = super.read(b, off, len);
                if (n < 0 && !purged) {
                    purged = true;
                    clock.advance(Duration.ofMinutes(40));
                    attachments.purgeExpired(100);
                }
                return n;
            }
        };
        assertThatThrownBy(() -> attachments.receiveUpload(presigned.id(), link[0], link[1], OptionalLong.empty(),
                () -> slow)).isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.code()).isEqualTo(ErrorCode.NOT_FOUND);
                    assertThat(e.getMessage()).contains("staging time ran out");
                });
        assertThat(dir.resolve("blobs")).isDirectoryNotContaining(p -> p.getFileName().toString().length() == 64);
    }
}
