package dev.kedai.cartorder;

/** An amount of money in minor units of an ISO 4217 currency: {@code {"amount": 1250000, "currency": "IDR"}}. */
public record Money(long amount, String currency) {

    /** The currency of every price until the catalog has others. */
    public static final String DEFAULT_CURRENCY = "IDR";

    public static Money zero() {
        return new Money(0, DEFAULT_CURRENCY);
    }
}
