package dev.kedai.stock;

/** An amount in minor units of an ISO 4217 currency, as the API writes money. */
public record Money(long amount, String currency) {

    static Money of(dev.kedai.proto.common.v1.Money m) {
        return new Money(m.getAmount(), m.getCurrency().isEmpty() ? "IDR" : m.getCurrency());
    }
}
