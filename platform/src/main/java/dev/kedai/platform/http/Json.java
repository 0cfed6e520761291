package dev.kedai.platform.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.ServerResponse;

/**
 * The one JSON mapping of Kedai's HTTP APIs: snake_case names, {@code java.time} values as
 * RFC 3339 strings. An {@code Instant} is written by {@link #timestamp(Instant)}: UTC with exactly
 * three fractional digits ({@code 2026-11-21T10:15:30.000Z}), so one instant has one spelling
 * whether it came from a nanosecond clock or a millisecond column.
 * Helidon 4.1.7's Jackson media support is not on our mirror, so bodies go through this mapper.
 */
public final class Json {

    /** {@code application/json}. */
    public static final String MEDIA_TYPE = "application/json";

    // appendInstant(3) always prints three digits, truncating finer ones
    private static final DateTimeFormatter TIMESTAMP = new DateTimeFormatterBuilder().appendInstant(3).toFormatter();

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .addModule(new JavaTimeModule())
            // after JavaTimeModule, so this one writes every Instant
            .addModule(new SimpleModule("kedai-timestamps").addSerializer(Instant.class, new TimestampWriter()))
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .disable(DeserializationFeature.ADJUST_DATES_TO_CONTEXT_TIME_ZONE)
            // unknown fields are reported by Fields (all of them, by name), not by the first Jackson meets
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private Json() {
    }

    /** The shared mapper (thread-safe; do not reconfigure it). */
    public static ObjectMapper mapper() {
        return MAPPER;
    }

    /** Sends {@code body} (a record, Map, List or JsonNode) as {@code application/json} with status 200. */
    public static void send(ServerResponse res, Object body) {
        send(res, Status.OK_200, body);
    }

    /** Sends {@code body} as {@code application/json} with the given status. */
    public static void send(ServerResponse res, Status status, Object body) {
        res.status(status);
        res.header(HeaderNames.CONTENT_TYPE, MEDIA_TYPE);
        res.send(bytes(body));
    }

    /** Sends {@code body} as {@code application/json} with the given status code. */
    public static void send(ServerResponse res, int status, Object body) {
        send(res, Status.create(status), body);
    }

    /** The spelling of an instant in every answer: RFC 3339, UTC, milliseconds ({@code 2026-12-03T09:01:28.654Z}). */
    public static String timestamp(Instant at) {
        return TIMESTAMP.format(at);
    }

    /** Serialises a value with the shared mapping. */
    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static final class TimestampWriter extends StdSerializer<Instant> {
        TimestampWriter() {
            super(Instant.class);
        }

        @Override
        public void serialize(Instant value, JsonGenerator out, SerializerProvider provider) throws IOException {
            out.writeString(timestamp(value));
        }
    }
}
