package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * System test of issue 3 across real services: a user registered at auth gets a profile at user
 * (through Kafka), and a session ended at auth (logout, or refresh-token reuse) is refused by user
 * within 1 s (deny list in Redis). The admin account is the one the stack configured ({@link DevAuth}).
 */
@ExtendWith(StackFixture.class)
class AuthRevocationSystemTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void registerGivesAProfileAndLogoutIsRefusedByTheUserServiceWithinOneSecond(Stack stack) {
        URI auth = stack.httpUri(KedaiService.AUTH);
        URI user = stack.httpUri(KedaiService.USER);
        String email = "sys-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        HttpResponse<String> registered = post(auth.resolve("/auth/register"),
                "{\"email\":\"" + email + "\",\"password\":\"password-1\",\"name\":\"Putri Ayu 🌼\"}", null);
        assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
        JsonNode pair = json(post(auth.resolve("/auth/login"), "{\"email\":\"" + email + "\",\"password\":\"password-1\"}", null));
        String access = pair.get("access_token").asText();

        Awaitility.await().atMost(Duration.ofSeconds(20))
                .until(() -> get(user.resolve("/users/me"), access).statusCode() == 200);
        assertThat(json(get(user.resolve("/users/me"), access)).get("name").asText()).isEqualTo("Putri Ayu 🌼");

        assertThat(post(auth.resolve("/auth/logout"), null, access).statusCode()).isEqualTo(204);
        Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50))
                .until(() -> get(user.resolve("/users/me"), access).statusCode() == 401);
    }

    @Test
    void refreshTokenReuseRevokesTheSessionAtTheUserService(Stack stack) {
        URI auth = stack.httpUri(KedaiService.AUTH);
        URI user = stack.httpUri(KedaiService.USER);
        DevAuth admin = DevAuth.of(stack.spec());
        String login = "{\"email\":\"" + admin.adminEmail() + "\",\"password\":\"" + admin.adminPassword() + "\"}";
        JsonNode first = json(post(auth.resolve("/auth/login"), login, null));
        JsonNode second = json(post(auth.resolve("/auth/refresh"),
                "{\"refresh_token\":\"" + first.get("refresh_token").asText() + "\"}", null));
        String access = second.get("access_token").asText();
        assertThat(get(user.resolve("/users?size=1"), access).statusCode()).isEqualTo(200);   // admin-only route

        HttpResponse<String> reuse = post(auth.resolve("/auth/refresh"),
                "{\"refresh_token\":\"" + first.get("refresh_token").asText() + "\"}", null);
        assertThat(reuse.statusCode()).isEqualTo(401);
        Awaitility.await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50))
                .until(() -> get(user.resolve("/users?size=1"), access).statusCode() == 401);
    }

    private static HttpResponse<String> get(URI uri, String token) {
        return send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer " + token).GET());
    }

    private static HttpResponse<String> post(URI uri, String body, String token) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).POST(body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return send(b);
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(response.body(), e);
        }
    }
}
