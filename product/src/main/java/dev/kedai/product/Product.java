package dev.kedai.product;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.platform.money.Money;

/**
 * A catalog entry as the API shows it.
 *
 * @param attributes free-form JSON object (size, colour, ...), written as stored
 * @param active     false once deleted (soft delete): no longer listed, fetched or sellable
 */
public record Product(String productId, String sku, String name, String description, Money price,
                      String category, JsonNode attributes, boolean active) {
}
