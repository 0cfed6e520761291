package dev.kedai.platform.observe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestIdTest {

    @ParameterizedTest
    @ValueSource(strings = {"edge-123", "a", "Kong:9f/7+x=y@host.local_1", "0123456789abcdefABCDEF"})
    void echoesASafeClientId(String id) {
        assertThat(RequestId.fromClient(Optional.of(id))).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "two words", "line\r\nX-Injected: 1", "quote\"", "semi;colon", "tab\t", "é", "<script>"})
    void replacesAnUnsafeClientIdWithANewOne(String id) {
        String answered = RequestId.fromClient(Optional.of(id));
        assertThat(answered).isNotEqualTo(id);
        assertThat(UUID.fromString(answered).version()).isEqualTo(4);
    }

    @Test
    void refusesAClientIdLongerThan128Characters() {
        assertThat(RequestId.fromClient(Optional.of("a".repeat(128)))).hasSize(128);
        assertThat(RequestId.fromClient(Optional.of("a".repeat(129)))).hasSize(36);
    }

    @Test
    void newIdsAreDistinctVersion4UuidsInCanonicalForm() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            String id = RequestId.fromClient(Optional.empty());
            UUID parsed = UUID.fromString(id);
            assertThat(parsed.version()).isEqualTo(4);
            assertThat(parsed.variant()).isEqualTo(2);
            assertThat(parsed.toString()).isEqualTo(id);
            assertThat(seen.add(id)).isTrue();
        }
    }
}
