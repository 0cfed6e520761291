package dev.kedai.product;

/**
 * An amount of money in minor units of an ISO 4217 currency: {@code {"amount": 1250000, "currency": "IDR"}}.
 */
public record Money(long amount, String currency) {
}
