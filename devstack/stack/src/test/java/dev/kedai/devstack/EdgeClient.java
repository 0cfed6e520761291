package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * A client of the stack through the dev edge, as a customer's app would be. Each test class
 * uses its own loopback source address (127.0.0.N), so the edge's per-address rate limits of one
 * class never throttle another's.
 */
final class EdgeClient {
    static final ObjectMapper JSON = new ObjectMapper();

    private final URI edge;
    private final HttpClient http;
    private Optional<String> token = Optional.empty();
    private Optional<ApiContracts> contracts = Optional.empty();

    EdgeClient(Stack stack, String sourceAddress) {
        this(stack.edgeUri(), sourceAddress);
    }

    EdgeClient(URI edge, String sourceAddress) {
        this.edge = edge;
        try {
            this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(3)).localAddress(InetAddress.getByName(sourceAddress)).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A response with its body parsed (null when empty or not JSON). */
    record Answer(int status, JsonNode json, HttpResponse<String> raw) {
        Optional<String> header(String name) {
            return raw.headers().firstValue(name);
        }

        /** The service that answered (X-Kedai-Service), if a service did. */
        Optional<String> service() {
            return header("X-Kedai-Service");
        }
    }

    EdgeClient withToken(String accessToken) {
        EdgeClient copy = new EdgeClient(edge, http);
        copy.token = Optional.of(accessToken);
        copy.contracts = contracts;
        return copy;
    }

    /**
     * A client (and every client derived from it: logins, new customers) whose every request and
     * answer must match the OpenAPI document of the service that answered.
     */
    EdgeClient checkedAgainst(ApiContracts documents) {
        EdgeClient copy = new EdgeClient(edge, http);
        copy.token = token;
        copy.contracts = Optional.of(documents);
        return copy;
    }

    private EdgeClient(URI edge, HttpClient http) {
        this.edge = edge;
        this.http = http;
    }

    Answer get(String path) {
        return send(request(path).GET(), null);
    }

    Answer delete(String path) {
        return send(request(path).DELETE(), null);
    }

    Answer post(String path, Object body, String... headers) {
        String json = json(body);
        return send(request(path, headers).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)), json);
    }

    Answer put(String path, Object body) {
        String json = json(body);
        return send(request(path).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)), json);
    }

    Answer method(String method, String path, Object body) {
        String json = body == null ? null : json(body);
        HttpRequest.BodyPublisher publisher = json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json);
        HttpRequest.Builder builder = request(path).method(method, publisher);
        if (json != null) {
            builder.header("Content-Type", "application/json");
        }
        return send(builder, json);
    }

    /** Registers a new customer and logs in; returns a client carrying the access token. */
    EdgeClient newCustomer(String name) {
        String email = name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-") + "-" + UUID.randomUUID()
                + "@example.com";
        String password = "correct horse " + UUID.randomUUID();
        Answer registered = post("/auth/register", Map.of("email", email, "password", password, "name", name));
        assertThat(registered.status()).as("register: %s", registered.raw().body()).isEqualTo(201);
        return login(email, password);
    }

    EdgeClient login(String email, String password) {
        Answer login = post("/auth/login", Map.of("email", email, "password", password));
        assertThat(login.status()).as("login: %s", login.raw().body()).isEqualTo(200);
        return withToken(login.json().path("access_token").asText());
    }

    private HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(edge.resolve(path)).timeout(Duration.ofSeconds(15));
        token.ifPresent(t -> builder.header("Authorization", "Bearer " + t));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            builder.header(headers[i], headers[i + 1]);
        }
        return builder;
    }

    private Answer send(HttpRequest.Builder builder, String body) {
        try {
            HttpRequest request = builder.build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            contracts.ifPresent(c -> c.check(request, body, response));
            JsonNode json = null;
            if (!response.body().isBlank()) {
                try {
                    json = JSON.readTree(response.body());
                } catch (IOException notJson) {
                    // left null: the assertions show the raw body
                }
            }
            return new Answer(response.statusCode(), json, response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static String json(Object body) {
        try {
            return body instanceof String s ? s : JSON.writeValueAsString(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
