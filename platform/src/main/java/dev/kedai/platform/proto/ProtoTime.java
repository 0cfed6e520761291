package dev.kedai.platform.proto;

import java.time.Instant;

import com.google.protobuf.Timestamp;

/**
 * {@code java.time.Instant} to and from {@code google.protobuf.Timestamp}, for every event and gRPC
 * message (protobuf-java-util's {@code Timestamps} has no {@code Instant} conversion of its own).
 * Nanoseconds are kept both ways.
 */
public final class ProtoTime {

    private ProtoTime() {
    }

    public static Timestamp timestamp(Instant at) {
        return Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()).build();
    }

    public static Instant instant(Timestamp at) {
        return Instant.ofEpochSecond(at.getSeconds(), at.getNanos());
    }
}
