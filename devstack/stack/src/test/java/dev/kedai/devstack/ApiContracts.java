package dev.kedai.devstack;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.SimpleValidationReportFormat;
import com.atlassian.oai.validator.report.ValidationReport;

/**
 * The OpenAPI document each running service serves, as a validator of real exchanges
 * (Atlassian's swagger-request-validator): a request or an answer that its owning service's
 * document does not describe — an undocumented field, status, header parameter or content
 * type — is an {@link AssertionError}.
 */
final class ApiContracts {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

    private final Map<KedaiService, OpenApiInteractionValidator> validators;

    private ApiContracts(Map<KedaiService, OpenApiInteractionValidator> validators) {
        this.validators = validators;
    }

    /** The documents the stack's services serve now (JSON form). */
    static ApiContracts of(Stack stack) {
        Map<KedaiService, OpenApiInteractionValidator> validators = new EnumMap<>(KedaiService.class);
        for (KedaiService service : KedaiService.values()) {
            String document = fetch(stack, service, "application/vnd.oai.openapi+json").body();
            validators.put(service, OpenApiInteractionValidator.createForInlineApiSpecification(document).build());
        }
        return new ApiContracts(validators);
    }

    /** {@code GET /openapi} on the service's own port, asking for {@code accept}. */
    static HttpResponse<String> fetch(Stack stack, KedaiService service, String accept) {
        HttpRequest request = HttpRequest.newBuilder(stack.httpUri(service).resolve("/openapi"))
                .header("Accept", accept).timeout(Duration.ofSeconds(10)).build();
        try {
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Checks one exchange against the document of the service that answered
     * ({@code X-Kedai-Service}); an answer the edge made itself has no owning document and fails.
     */
    void check(HttpRequest request, String requestBody, HttpResponse<String> response) {
        String serviceName = response.headers().firstValue("X-Kedai-Service").orElseThrow(() -> new AssertionError(
                request.method() + " " + request.uri().getPath() + " was answered by the edge itself ("
                        + response.statusCode() + " " + response.body() + "), not by a service"));
        KedaiService service = KedaiService.valueOf(serviceName.toUpperCase(Locale.ROOT));
        ValidationReport report = validators.get(service).validate(request(request, requestBody), response(response));
        if (report.hasErrors()) {
            throw new AssertionError(request.method() + " " + request.uri().getRawPath()
                    + (request.uri().getRawQuery() == null ? "" : "?" + request.uri().getRawQuery()) + " -> " + response.statusCode() + " " + response.body()
                    + "\ndoes not match " + service.id() + "'s OpenAPI document:\n"
                    + SimpleValidationReportFormat.getInstance().apply(report));
        }
    }

    private static Request request(HttpRequest request, String body) {
        URI uri = request.uri();
        SimpleRequest.Builder builder = new SimpleRequest.Builder(request.method(), uri.getRawPath());
        request.headers().map().forEach(builder::withHeader);
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                int eq = pair.indexOf('=');
                String name = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
                String value = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
                builder.withQueryParam(name, value);
            }
        }
        if (body != null) {
            builder.withBody(body);
        }
        return builder.build();
    }

    private static SimpleResponse response(HttpResponse<String> response) {
        SimpleResponse.Builder builder = SimpleResponse.Builder.status(response.statusCode());
        response.headers().map().forEach((name, values) -> builder.withHeader(name, List.copyOf(values)));
        if (!response.body().isEmpty()) {
            builder.withBody(response.body());
        }
        return builder.build();
    }
}
