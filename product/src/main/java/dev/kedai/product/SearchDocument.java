package dev.kedai.product;

import java.time.Instant;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kedai.platform.money.Money;

/**
 * A product as the search index holds it ({@code search/products-index.json}): every field the
 * API shows, so a search page is answered from the index alone, plus what search needs —
 * {@code created_at} (the newest order and relevance's tie-break), {@code attribute_values}
 * ({@code "color=red"}, what {@code attr.color=red} matches) and the row's {@code version}, which
 * is also the document's external version: OpenSearch refuses to store an older one over it.
 *
 * @param stored    the row and its version
 * @param createdAt when the product was created
 */
public record SearchDocument(StoredProduct stored, Instant createdAt) {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    public String id() {
        return stored.product().productId();
    }

    public long version() {
        return stored.version();
    }

    /** The JSON source to index. */
    public ObjectNode source() {
        Product p = stored.product();
        ObjectNode doc = NODES.objectNode();
        doc.put("product_id", p.productId());
        doc.put("version", stored.version());
        doc.put("sku", p.sku());
        doc.put("name", p.name());
        doc.put("description", p.description());
        doc.put("price_amount", p.price().amount());
        doc.put("price_currency", p.price().currency());
        doc.put("category", p.category());
        doc.set("attributes", p.attributes() == null ? NODES.objectNode() : p.attributes());
        ArrayNode values = doc.putArray("attribute_values");
        if (p.attributes() != null) {
            for (Iterator<Map.Entry<String, JsonNode>> it = p.attributes().fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> attribute = it.next();
                // as MariaDB's JSON_VALUE compares them: scalars by their text (42 and "42" alike)
                if (attribute.getValue().isValueNode() && !attribute.getValue().isNull()) {
                    values.add(AttributeFilter.term(attribute.getKey(), attribute.getValue().asText()));
                }
            }
        }
        doc.put("active", p.active());
        doc.put("created_at", createdAt.toString());
        return doc;
    }

    /** The product of an indexed source (a search hit). */
    public static Product product(JsonNode source) {
        return new Product(source.path("product_id").asText(),
                           source.path("sku").asText(),
                           source.path("name").asText(),
                           source.path("description").asText(),
                           new Money(source.path("price_amount").asLong(), source.path("price_currency").asText()),
                           source.path("category").asText(),
                           source.path("attributes").isObject() ? source.get("attributes") : NODES.objectNode(),
                           source.path("active").asBoolean());
    }
}
