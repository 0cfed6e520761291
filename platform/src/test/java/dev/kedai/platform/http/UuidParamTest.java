package dev.kedai.platform.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UuidParamTest {

    @Test
    void acceptsTheCanonicalFormInEitherCaseAndAnswersLowerCase() {
        String id = UUID.randomUUID().toString();
        assertThat(UuidParam.parse("product_id", id)).isEqualTo(id);
        assertThat(UuidParam.parse("product_id", id.toUpperCase())).isEqualTo(id);
        assertThat(UuidParam.isValid("00000000-0000-0000-0000-000000000000")).isTrue();
        assertThat(UuidParam.isValid("ABCDEF01-abcd-EF01-9999-0123456789af")).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "1-1-1-1-1", "0000000000000000000000000000000000000",
            "00000000-0000-0000-0000-00000000000", "00000000-0000-0000-0000-0000000000000",
            "00000000_0000-0000-0000-000000000000", "0000000-00000-0000-0000-000000000000",
            "g0000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-00000000000G",
            "00000000-0000-0000-0000-00000000000 ", "{0000000-0000-0000-0000-00000000000}",
            "00000000-0000-0000-0000-00000000000\u0660"})
    void refusesAnythingElseWithA400NamingTheParameter(String text) {
        assertThat(UuidParam.isValid(text)).isFalse();
        assertThatThrownBy(() -> UuidParam.parse("product_id", text))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.problem().status()).isEqualTo(400);
                    assertThat(e.problem().errors()).extracting(FieldError::field).containsExactly("product_id");
                });
        assertThat(UuidParam.isValid(null)).isFalse();
    }
}
