package dev.msgbubbles.common;

import static org.assertj.core.api.Assertions.assertThat;

import dev.msgbubbles.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class IdsTest {

    private static final Instant START = Instant.parse("2026-06-11T18:21:04.123Z");

    @Test
    void uuid_v7_has_version_7_and_the_ietf_variant() {
        MutableClock clock = new MutableClock(START);
        for (int i = 0; i < 200; i++) {
            UUID id = Ids.uuidV7(clock);
            assertThat(id.version()).isEqualTo(7);
            assertThat(id.variant()).isEqualTo(2);
            assertThat(id.toString().charAt(14)).isEqualTo('7');
            assertThat(id.toString().charAt(19)).isIn('8', '9', 'a', 'b');
        }
    }

    @Test
    void uuid_v7_embeds_the_clock_millisecond_in_its_first_48_bits() {
        MutableClock clock = new MutableClock(START);

        UUID id = Ids.uuidV7(clock);

        assertThat(id.getMostSignificantBits() >>> 16).isEqualTo(START.toEpochMilli());
        assertThat(id.toString().replace("-", "").substring(0, 12))
                .isEqualTo(String.format("%012x", START.toEpochMilli()));
    }

    @Test
    void ids_from_an_advancing_clock_sort_in_time_order_by_their_string_form() {
        MutableClock clock = new MutableClock(START);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            ids.add(Ids.uuidV7(clock).toString());
            clock.advance(Duration.ofMillis(1 + (i % 3) * 997L));
        }

        for (int i = 1; i < ids.size(); i++) {
            assertThat(ids.get(i - 1).compareTo(ids.get(i))).as("%s < %s", ids.get(i - 1), ids.get(i)).isNegative();
        }
    }

    @Test
    void ids_in_the_same_millisecond_are_distinct() {
        MutableClock clock = new MutableClock(START);
        Set<UUID> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            ids.add(Ids.uuidV7(clock));
        }
        assertThat(ids).hasSize(1000);
    }

    @Test
    void request_id_is_req_prefix_and_20_base62_characters() {
        for (int i = 0; i < 100; i++) {
            String id = Ids.requestId();
            assertThat(id).startsWith("req_").hasSize(24);
            assertThat(id.substring(4)).matches("[0-9A-Za-z]{20}");
        }
    }

    @Test
    void event_ids_are_evt_prefix_and_24_characters_and_sort_by_time_in_any_collation() {
        String earlier = Ids.eventId(1_795_000_000_000L);
        String later = Ids.eventId(1_795_000_000_001L);
        String muchLater = Ids.eventId(4_000_000_000_000L);

        assertThat(earlier).matches("evt_[0-9a-z]{9}[0-9A-Za-z]{15}");
        assertThat(earlier.substring(0, 13)).isLessThan(later.substring(0, 13));
        assertThat(later.substring(0, 13)).isLessThan(muchLater.substring(0, 13));
        assertThat(earlier.substring(4, 13).toLowerCase()).isEqualTo(earlier.substring(4, 13)); // no case to collate
    }

    @Test
    void event_ids_of_one_millisecond_are_distinct() {
        var ids = new java.util.HashSet<String>();
        for (int i = 0; i < 10_000; i++) {
            ids.add(Ids.eventId(1_795_000_000_000L));
        }

        assertThat(ids).hasSize(10_000);
    }

    @Test
    void a_thousand_request_ids_are_distinct() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            ids.add(Ids.requestId());
        }
        assertThat(ids).hasSize(1000);
    }

    @Test
    void base62_uses_all_62_characters_and_nothing_else() {
        String sample = Ids.base62(20_000, new java.util.Random(7));

        assertThat(sample).hasSize(20_000).matches("[0-9A-Za-z]+");
        assertThat(sample.chars().distinct().count()).isEqualTo(62);
    }

    @Test
    void ids_made_in_one_millisecond_still_sort_in_creation_order() {
        var frozen = new dev.msgbubbles.support.MutableClock(java.time.Instant.parse("2026-11-23T10:00:00Z"));
        java.util.List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < 3000; i++) {
            ids.add(Ids.uuidV7(frozen).toString());
        }
        assertThat(ids).isSorted().doesNotHaveDuplicates();
        assertThat(ids).allSatisfy(id -> assertThat(java.util.UUID.fromString(id).version()).isEqualTo(7));
    }
}
