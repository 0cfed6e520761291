package dev.kedai.platform.http;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.webserver.http.ServerRequest;

/**
 * The declared fields of a write body. Validation collects every problem: missing required
 * fields, wrong types and ranges, and every field that is not declared (so {@code role},
 * {@code price} or {@code user_id} cannot be smuggled in).
 *
 * <pre>{@code
 * private static final Fields ADD = Fields.of(field("product_id").uuid().required(),
 *                                             field("quantity").integer(1, 99).required());
 * record AddToCart(UUID productId, int quantity) {}
 * AddToCart add = ADD.read(req, AddToCart.class);   // 415 / 400 / 413 as problems
 * }</pre>
 */
public final class Fields {

    private final Map<String, Field> fields;

    private Fields(Map<String, Field> fields) {
        this.fields = fields;
    }

    public static Fields of(Field... declared) {
        Map<String, Field> byName = new LinkedHashMap<>();
        for (Field f : declared) {
            if (byName.put(f.name(), f) != null) {
                throw new IllegalArgumentException("field declared twice: " + f.name());
            }
        }
        return new Fields(byName);
    }

    /** Every problem of {@code body}, in declaration order, then unknown fields in body order. */
    public List<FieldError> errors(JsonNode body) {
        List<FieldError> errors = new ArrayList<>();
        if (body == null || !body.isObject()) {
            errors.add(new FieldError("", "the body must be a JSON object"));
            return errors;
        }
        fields.values().forEach(f -> {
            JsonNode value = body.get(f.name());
            if (value == null || value.isNull()) {
                if (f.isRequired()) {
                    errors.add(new FieldError(f.name(), "is required"));
                }
                return;
            }
            String problem = f.check(value);
            if (problem != null) {
                errors.add(new FieldError(f.name(), problem));
            }
        });
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!fields.containsKey(name)) {
                errors.add(new FieldError(name, "is not a known field"));
            }
        }
        return errors;
    }

    /** Returns {@code body} when valid, else throws a 400 problem naming every offending field. */
    public JsonNode validate(JsonNode body) {
        List<FieldError> errors = errors(body);
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        return body;
    }

    /** Reads the request body ({@link JsonBody#read}), validates it and maps it to {@code type} (snake_case). */
    public <T> T read(ServerRequest req, Class<T> type) {
        return read(JsonBody.read(req), type);
    }

    /** Validates a body already read and maps it to {@code type} (snake_case). */
    public <T> T read(JsonNode body, Class<T> type) {
        return JsonBody.map(validate(body), type);
    }
}
