package dev.kedai.platform.proto;

import java.time.Instant;

import com.google.protobuf.util.Timestamps;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProtoTimeTest {

    @Test
    void keepsNanosecondsBothWays() {
        Instant at = Instant.parse("2026-11-21T10:15:30.123456789Z");
        assertThat(Timestamps.toString(ProtoTime.timestamp(at))).isEqualTo("2026-11-21T10:15:30.123456789Z");
        assertThat(ProtoTime.instant(ProtoTime.timestamp(at))).isEqualTo(at);
        assertThat(ProtoTime.instant(Timestamps.EPOCH)).isEqualTo(Instant.EPOCH);
    }
}
