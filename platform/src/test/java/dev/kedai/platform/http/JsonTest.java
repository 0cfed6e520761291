package dev.kedai.platform.http;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JsonTest {

    record Stamped(Instant createdAt) {
    }

    @Test
    void everyInstantIsRfc3339UtcWithExactlyMilliseconds() {
        // whole seconds, nanoseconds and millis: one spelling each, three fractional digits always
        assertThat(json(new Stamped(Instant.parse("2026-12-03T09:01:28Z"))))
                .isEqualTo("{\"created_at\":\"2026-12-03T09:01:28.000Z\"}");
        assertThat(json(new Stamped(Instant.parse("2026-12-03T09:01:28.654321987Z"))))
                .isEqualTo("{\"created_at\":\"2026-12-03T09:01:28.654Z\"}");
        assertThat(json(Map.of("at", Instant.parse("2026-12-03T09:01:28.6Z"))))
                .isEqualTo("{\"at\":\"2026-12-03T09:01:28.600Z\"}");
        assertThat(Json.timestamp(Instant.parse("2026-12-03T09:01:28.654999Z"))).isEqualTo("2026-12-03T09:01:28.654Z");
        // the same instant reached from a nanosecond clock and from a millisecond column reads the same
        Instant clock = Instant.parse("2026-12-03T09:01:28.654321987Z");
        Instant column = Instant.ofEpochMilli(clock.toEpochMilli());
        assertThat(json(new Stamped(clock))).isEqualTo(json(new Stamped(column)));
    }

    @Test
    void timestampsReadBackAsTheSameInstant() throws Exception {
        Instant at = Instant.parse("2026-12-03T09:01:28.654Z");
        assertThat(Json.mapper().readValue(Json.bytes(new Stamped(at)), Stamped.class).createdAt()).isEqualTo(at);
    }

    private static String json(Object value) {
        return new String(Json.bytes(value), StandardCharsets.UTF_8);
    }
}
