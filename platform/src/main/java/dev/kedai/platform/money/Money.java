package dev.kedai.platform.money;

import io.helidon.common.config.Config;

/**
 * An amount of money in minor units of an ISO 4217 currency, as every API writes it:
 * {@code {"amount": 1250000, "currency": "IDR"}}. The one money type of product, stock and
 * cartorder; {@code kedai.common.v1.Money} is its protobuf form.
 */
public record Money(long amount, String currency) {

    /** The config key of the currency of every price that does not name one (and of empty totals). */
    public static final String DEFAULT_CURRENCY_KEY = "money.default-currency";

    private static final String DEFAULT_CURRENCY = "IDR";

    /** {@code money.default-currency} of the root config, IDR when not set. */
    public static String defaultCurrency(Config root) {
        return root.get(DEFAULT_CURRENCY_KEY).asString().orElse(DEFAULT_CURRENCY);
    }

    /** This amount {@code factor} times, in the same currency (a line's total). */
    public Money times(long factor) {
        return new Money(amount * factor, currency);
    }

    public dev.kedai.proto.common.v1.Money toProto() {
        return dev.kedai.proto.common.v1.Money.newBuilder().setAmount(amount).setCurrency(currency).build();
    }

    /** From protobuf, where an unset currency (the empty string) means {@code defaultCurrency}. */
    public static Money fromProto(dev.kedai.proto.common.v1.Money money, String defaultCurrency) {
        return new Money(money.getAmount(), money.getCurrency().isEmpty() ? defaultCurrency : money.getCurrency());
    }
}
