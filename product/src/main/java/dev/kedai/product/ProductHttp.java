package dev.kedai.product;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.kedai.platform.http.FieldError;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.PageRequest;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.http.UuidParam;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code /products}: the catalog, readable by anyone. Writes (admin) come with issue 4. */
public final class ProductHttp implements HttpService {

    static final Pattern CATEGORY = Pattern.compile("[a-z0-9-]{1,40}");
    static final int MAX_QUERY_LENGTH = 200;

    private final ProductStore store;

    public ProductHttp(ProductStore store) {
        this.store = store;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .get("/{product_id}", this::one);
    }

    private void list(ServerRequest req, ServerResponse res) {
        Json.send(res, store.search(query(req)));
    }

    private void one(ServerRequest req, ServerResponse res) {
        String id = UuidParam.parse("product_id", req.path().pathParameters().get("product_id"));
        Product product = store.active(id).orElseThrow(() -> ProblemException.notFound("no product " + id));
        byte[] body = Json.bytes(product);
        String etag = etag(body);
        res.header(HeaderNames.ETAG, etag);
        if (matches(req.headers().first(HeaderNames.IF_NONE_MATCH), etag)) {
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, Json.MEDIA_TYPE);
        res.send(body);
    }

    /** Reads and validates {@code q, category, sort, page, size}, naming every bad one at once. */
    static ProductQuery query(ServerRequest req) {
        List<FieldError> errors = new ArrayList<>();
        Optional<String> text = req.query().first("q").asOptional().map(String::strip);
        if (text.isPresent() && (text.get().isEmpty() || text.get().length() > MAX_QUERY_LENGTH)) {
            errors.add(new FieldError("q", "must be 1 to " + MAX_QUERY_LENGTH + " characters long"));
        }
        Optional<String> category = req.query().first("category").asOptional();
        if (category.isPresent() && !CATEGORY.matcher(category.get()).matches()) {
            errors.add(new FieldError("category", "must be a slug of a-z, 0-9 and -, at most 40 characters"));
        }
        ProductSort sort = text.isPresent() ? ProductSort.RELEVANCE : ProductSort.NEWEST;
        Optional<String> sortName = req.query().first("sort").asOptional();
        if (sortName.isPresent()) {
            Optional<ProductSort> named = java.util.Arrays.stream(ProductSort.values())
                    .filter(s -> s.apiName().equals(sortName.get())).findFirst();
            if (named.isEmpty()) {
                errors.add(new FieldError("sort", "must be one of " + ProductSort.apiNames()));
            } else if (named.get() == ProductSort.RELEVANCE && text.isEmpty()) {
                errors.add(new FieldError("sort", "relevance needs q"));
            } else {
                sort = named.get();
            }
        }
        PageRequest page = null;
        try {
            page = PageRequest.from(req);
        } catch (ProblemException e) {
            errors.addAll(e.problem().errors());
        }
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        return new ProductQuery(text, category, sort, page);
    }

    // a strong validator of the representation: any change of any field changes it
    private static String etag(byte[] body) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(body);
            return "\"" + HexFormat.of().formatHex(digest, 0, 16) + "\"";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean matches(Optional<String> ifNoneMatch, String etag) {
        if (ifNoneMatch.isEmpty()) {
            return false;
        }
        for (String candidate : ifNoneMatch.get().split(",")) {
            String tag = candidate.strip();
            if (tag.equals("*") || tag.equals(etag) || tag.equals("W/" + etag)) {
                return true;
            }
        }
        return false;
    }
}
