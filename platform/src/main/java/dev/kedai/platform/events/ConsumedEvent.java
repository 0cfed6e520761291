package dev.kedai.platform.events;

import java.time.Instant;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Parser;

/**
 * One consumed CloudEvent (binary mode): envelope from the headers, protobuf payload bytes.
 *
 * @param id        {@code ce_id}, the de-duplication key
 * @param type      {@code ce_type}, the payload's protobuf full name
 * @param source    {@code ce_source}
 * @param time      {@code ce_time}, or null when absent or malformed
 * @param key       the record key (aggregate id)
 * @param payload   the record value
 * @param topic     where it came from
 * @param partition its partition
 * @param offset    its offset
 */
public record ConsumedEvent(String id, String type, String source, Instant time, String key, byte[] payload,
                            String topic, int partition, long offset) {

    /**
     * Parses the payload, e.g. {@code event.parse(ProductCreated.parser())}.
     *
     * @throws PoisonEventException if the bytes are not a valid message: retrying cannot help,
     *                              so the record goes to the dead-letter topic at once
     */
    public <T> T parse(Parser<T> parser) {
        try {
            return parser.parseFrom(payload);
        } catch (InvalidProtocolBufferException e) {
            throw new PoisonEventException("payload of " + type + " " + id + " does not parse", e);
        }
    }
}
