package dev.kedai.product;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.platform.money.Money;

/** What an admin writes: every field of a product except its id and state. */
public record ProductDraft(String sku, String name, String description, Money price, String category,
                           JsonNode attributes) {
}
