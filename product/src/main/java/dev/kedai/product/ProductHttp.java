package dev.kedai.product;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

import dev.kedai.platform.http.FieldError;
import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.JsonBody;
import dev.kedai.platform.http.PageRequest;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.http.UuidParam;
import dev.kedai.platform.security.Authentication;
import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /products}: the catalog, readable by anyone; written by admins. {@code GET /products/{id}}
 * is served through the Redis cache ({@link Catalog#read}), list pages without {@code q} through
 * {@link CatalogPages}.
 */
public final class ProductHttp implements HttpService {

    static final Pattern CATEGORY = Pattern.compile("[a-z0-9-]{1,40}");
    static final int MAX_QUERY_LENGTH = 200;
    // MariaDB's full-text operators (boolean mode: + - < > ( ) ~ * " @); even in natural language
    // mode some reach its parser ("*" alone is a syntax error, a 500). They are word separators to
    // the index anyway, so they are taken literally: replaced by spaces before the query is run.
    private static final Pattern FULL_TEXT_OPERATORS = Pattern.compile("[+\\-<>()~*\"@]");
    static final String ATTR_PREFIX = "attr.";
    static final int MAX_ATTRIBUTE_FILTERS = 10;
    private static final String ADMIN = "admin";
    private static final Header JSON_CONTENT_TYPE = HeaderValues.create(HeaderNames.CONTENT_TYPE, Json.MEDIA_TYPE);

    private final ProductSearch search;
    private final CatalogPages pages;
    private final Catalog catalog;
    private final ProductBodies bodies;

    /**
     * @param search   answers every list ({@link FulltextSearch})
     * @param pages    the cache of list pages without {@code q}
     * @param currency the shop's one currency, the only one a price may be written in
     */
    public ProductHttp(ProductSearch search, CatalogPages pages, Catalog catalog, String currency) {
        this.search = search;
        this.pages = pages;
        this.catalog = catalog;
        this.bodies = new ProductBodies(currency);
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::list)
                .post("/", this::create)
                .get("/{product_id}", this::one)
                .put("/{product_id}", this::replace)
                .patch("/{product_id}", this::patch)
                .delete("/{product_id}", this::delete);
    }

    // a list without q is a catalog page, served from the page cache; a search is not cached
    private void list(ServerRequest req, ServerResponse res) {
        ProductQuery query = query(req);
        byte[] body = query.text().isEmpty() ? pages.page(query, () -> search.search(query))
                : Json.bytes(search.search(query));
        res.header(HeaderNames.CONTENT_TYPE, Json.MEDIA_TYPE);
        res.send(body);
    }

    private void create(ServerRequest req, ServerResponse res) {
        Authentication.requireRole(req, ADMIN);
        Product created = catalog.create(bodies.full(JsonBody.read(req)));
        res.header(HeaderNames.LOCATION, "/products/" + created.productId());
        Json.send(res, Status.CREATED_201, created);
    }

    private void replace(ServerRequest req, ServerResponse res) {
        Authentication.requireRole(req, ADMIN);
        String id = productId(req);
        ProductDraft draft = bodies.full(JsonBody.read(req));
        Json.send(res, catalog.update(id, current -> draft));
    }

    private void patch(ServerRequest req, ServerResponse res) {
        Authentication.requireRole(req, ADMIN);
        String id = productId(req);
        JsonNode patch = bodies.partial(JsonBody.read(req));
        Json.send(res, catalog.update(id, current -> bodies.merge(current, patch)));
    }

    private void delete(ServerRequest req, ServerResponse res) {
        Authentication.requireRole(req, ADMIN);
        catalog.delete(productId(req));
        res.status(Status.NO_CONTENT_204).send();
    }

    private static String productId(ServerRequest req) {
        return UuidParam.parse("product_id", req.path().pathParameters().get("product_id"));
    }

    private void one(ServerRequest req, ServerResponse res) {
        String id = productId(req);
        ProductBody body = catalog.read(id).orElseThrow(() -> ProblemException.notFound("no product " + id));
        res.header(HeaderNames.ETAG, body.etag());
        if (matches(req.headers().first(HeaderNames.IF_NONE_MATCH), body.etag())) {
            res.status(Status.NOT_MODIFIED_304).send();
            return;
        }
        res.header(JSON_CONTENT_TYPE);
        res.send(body.json());
    }

    /** Reads and validates {@code q, category, sort, page, size}, naming every bad one at once. */
    static ProductQuery query(ServerRequest req) {
        List<FieldError> errors = new ArrayList<>();
        Optional<String> raw = req.query().first("q").asOptional().map(String::strip);
        if (raw.isPresent() && (raw.get().isEmpty() || raw.get().length() > MAX_QUERY_LENGTH)) {
            errors.add(new FieldError("q", "must be 1 to " + MAX_QUERY_LENGTH + " characters long"));
        }
        Optional<String> text = raw.map(q -> FULL_TEXT_OPERATORS.matcher(q).replaceAll(" ").strip());
        if (errors.isEmpty() && text.isPresent() && text.get().codePoints().noneMatch(Character::isLetterOrDigit)) {
            errors.add(new FieldError("q", "must contain a letter or digit (+ - < > ( ) ~ * \" @ are not operators here)"));
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
        List<AttributeFilter> attributes = attributeFilters(req, errors);
        PageRequest page = null;
        try {
            page = PageRequest.from(req);
        } catch (ProblemException e) {
            errors.addAll(e.problem().errors());
        }
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        return new ProductQuery(text, category, attributes, sort, page);
    }

    // ?attr.color=red&attr.size=42: each name is checked here, and its JSON path goes to SQL as a parameter
    private static List<AttributeFilter> attributeFilters(ServerRequest req, List<FieldError> errors) {
        List<AttributeFilter> filters = new ArrayList<>();
        for (String name : new java.util.TreeSet<>(req.query().names())) {
            if (!name.startsWith(ATTR_PREFIX)) {
                continue;
            }
            String attribute = name.substring(ATTR_PREFIX.length());
            String value = req.query().first(name).asOptional().orElse("");
            if (!ProductBodies.ATTRIBUTE_NAME.matcher(attribute).matches()) {
                errors.add(new FieldError(name, "attribute name must be 1 to 40 letters, digits or '_'"));
            } else if (value.isEmpty() || value.length() > ProductBodies.MAX_ATTRIBUTE_VALUE) {
                errors.add(new FieldError(name, "must be 1 to " + ProductBodies.MAX_ATTRIBUTE_VALUE + " characters long"));
            } else {
                filters.add(new AttributeFilter(attribute, value));
            }
        }
        if (filters.size() > MAX_ATTRIBUTE_FILTERS) {
            errors.add(new FieldError("attr", "at most " + MAX_ATTRIBUTE_FILTERS + " attribute filters"));
        }
        return filters;
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
