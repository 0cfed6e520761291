package dev.kedai.platform.money;

import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class MoneyTest {

    @Test
    void theDefaultCurrencyIsConfiguredOnceAndIdrWhenNot() {
        assertThat(Money.defaultCurrency(Config.empty())).isEqualTo("IDR");
        assertThat(Money.defaultCurrency(Config.just(ConfigSources.create(Map.of(Money.DEFAULT_CURRENCY_KEY, "SGD")))))
                .isEqualTo("SGD");
    }

    @Test
    void protobufWithoutACurrencyIsInTheDefaultOne() {
        var unset = dev.kedai.proto.common.v1.Money.newBuilder().setAmount(1250000).build();
        assertThat(Money.fromProto(unset, "IDR")).isEqualTo(new Money(1250000, "IDR"));
        assertThat(Money.fromProto(new Money(5, "SGD").toProto(), "IDR")).isEqualTo(new Money(5, "SGD"));
        assertThat(new Money(90000, "IDR").times(7)).isEqualTo(new Money(630000, "IDR"));
    }
}
