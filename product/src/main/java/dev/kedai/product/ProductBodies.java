package dev.kedai.product;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.kedai.platform.http.Field;
import dev.kedai.platform.http.FieldError;
import dev.kedai.platform.http.Fields;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.money.Money;

import static dev.kedai.platform.http.Field.field;

/**
 * The write bodies of {@code /products}: POST and PUT take every field (attributes default to
 * {@code {}}), PATCH any of them. Every offending field is named, nested money members too
 * ({@code price.amount}); unknown fields are refused so nothing but these can be written.
 */
final class ProductBodies {

    static final long MAX_PRICE = 1_000_000_000_000L;
    static final int MAX_ATTRIBUTES = 50;
    static final Pattern ATTRIBUTE_NAME = Pattern.compile("[A-Za-z0-9_]{1,40}");
    static final int MAX_ATTRIBUTE_VALUE = 200;

    private static final Field SKU = field("sku").pattern("[A-Za-z0-9][A-Za-z0-9._-]{0,63}",
            "1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
    private static final Field NAME = field("name").string(1, 200);
    private static final Field DESCRIPTION = field("description").string(0, 5000);
    private static final Field PRICE = field("price").object();
    private static final Field CATEGORY = field("category").pattern(ProductHttp.CATEGORY.pattern(),
            "a slug of a-z, 0-9 and -, 1 to 40 characters");
    private static final Field ATTRIBUTES = field("attributes").object();

    private static final Fields FULL = Fields.of(SKU.required(), NAME.required(), DESCRIPTION.required(),
                                                 PRICE.required(), CATEGORY.required(), ATTRIBUTES);
    private static final Fields PARTIAL = Fields.of(SKU, NAME, DESCRIPTION, PRICE, CATEGORY, ATTRIBUTES);

    private final String currency;

    /**
     * @param currency the shop's one currency ({@code money.default-currency}): a cart adds prices,
     *                 so mixed currencies are refused at the door
     */
    ProductBodies(String currency) {
        this.currency = currency;
    }

    /** A POST or PUT body. */
    ProductDraft full(JsonNode body) {
        validate(FULL, body);
        return draft(body, null);
    }

    /** A PATCH body merged onto {@code current}; at least one field. */
    JsonNode partial(JsonNode body) {
        validate(PARTIAL, body);
        if (body.isEmpty()) {
            throw ProblemException.badRequest("name at least one field to change");
        }
        return body;
    }

    /** {@code current} with the fields of a validated PATCH body replaced. */
    ProductDraft merge(Product current, JsonNode patch) {
        return draft(patch, current);
    }

    private void validate(Fields fields, JsonNode body) {
        List<FieldError> errors = new ArrayList<>(fields.errors(body));
        if (body != null && body.isObject()) {
            JsonNode price = body.get("price");
            if (price != null && price.isObject()) {
                errors.addAll(priceErrors(price));
            }
            JsonNode attributes = body.get("attributes");
            if (attributes != null && attributes.isObject()) {
                errors.addAll(attributeErrors(attributes));
            }
        }
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
    }

    private List<FieldError> priceErrors(JsonNode price) {
        List<FieldError> errors = new ArrayList<>();
        JsonNode amount = price.get("amount");
        if (amount == null || !amount.isIntegralNumber() || !amount.canConvertToLong()
                || amount.asLong() < 0 || amount.asLong() > MAX_PRICE) {
            errors.add(new FieldError("price.amount", "must be an integer between 0 and " + MAX_PRICE + " (minor units)"));
        }
        JsonNode currency = price.get("currency");
        if (currency != null && !(currency.isTextual() && this.currency.equals(currency.asText()))) {
            errors.add(new FieldError("price.currency", "must be " + this.currency));
        }
        for (Iterator<String> names = price.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("amount") && !name.equals("currency")) {
                errors.add(new FieldError("price." + name, "is not a known field"));
            }
        }
        return errors;
    }

    // flat name -> scalar maps, so every attribute can be filtered on with ?attr.<name>=<value>
    private static List<FieldError> attributeErrors(JsonNode attributes) {
        List<FieldError> errors = new ArrayList<>();
        if (attributes.size() > MAX_ATTRIBUTES) {
            errors.add(new FieldError("attributes", "must have at most " + MAX_ATTRIBUTES + " members"));
            return errors;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = attributes.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> member = it.next();
            String name = "attributes." + member.getKey();
            if (!ATTRIBUTE_NAME.matcher(member.getKey()).matches()) {
                errors.add(new FieldError(name, "name must be 1 to 40 letters, digits or '_'"));
            } else if (!member.getValue().isValueNode() || member.getValue().isNull()) {
                errors.add(new FieldError(name, "must be a string, number or boolean"));
            } else if (member.getValue().asText().length() > MAX_ATTRIBUTE_VALUE) {
                errors.add(new FieldError(name, "must be at most " + MAX_ATTRIBUTE_VALUE + " characters"));
            }
        }
        return errors;
    }

    private ProductDraft draft(JsonNode body, Product base) {
        JsonNode attributes = body.get("attributes");
        if (attributes == null || attributes.isNull()) {
            attributes = base != null ? base.attributes() : JsonNodeFactory.instance.objectNode();
        }
        return new ProductDraft(text(body, "sku", base == null ? null : base.sku()),
                                text(body, "name", base == null ? null : base.name()),
                                text(body, "description", base == null ? null : base.description()),
                                body.hasNonNull("price")
                                        ? new Money(body.get("price").get("amount").asLong(), currency)
                                        : base.price(),
                                text(body, "category", base == null ? null : base.category()),
                                attributes);
    }

    private static String text(JsonNode body, String name, String fallback) {
        return body.hasNonNull(name) ? body.get(name).asText() : fallback;
    }
}
