package dev.kedai.bench;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.UUID;

import io.helidon.http.HeaderNames;
import io.helidon.webclient.api.HttpClientResponse;

/**
 * {@code POST /auth/login} with the right password, straight to the auth service. Each login
 * costs one Argon2id verification at auth's configured cost (default 19 MiB, 2 passes, 1 lane),
 * which is deliberately slow: this measures how many logins per second that cost allows.
 * Each successful login also resets its failure counter, so the brute-force limit never trips.
 */
public final class LoginScenario implements Scenario {

    private static final String PASSWORD = "bench-password-1";

    private BenchRequest login;

    @Override
    public String name() {
        return "login";
    }

    @Override
    public String description() {
        return "POST /auth/login (Argon2id) direct to the auth service (default http://127.0.0.1:8003)";
    }

    @Override
    public URI defaultTarget() {
        return URI.create("http://127.0.0.1:8003");
    }

    @Override
    public void setup(ScenarioContext context) {
        String email = "bench-" + UUID.randomUUID().toString().substring(0, 8) + "@example.com";
        String register = "{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\",\"name\":\"Bench\"}";
        try (HttpClientResponse res = context.client().post("/auth/register")
                .header(HeaderNames.CONTENT_TYPE, "application/json")
                .submit(register.getBytes(StandardCharsets.UTF_8))) {
            if (res.status().code() != 201) {
                throw new IllegalStateException("register answered " + res.status() + ": " + res.as(String.class));
            }
        }
        login = BenchRequest.postJson("/auth/login", ("{\"email\":\"" + email + "\",\"password\":\"" + PASSWORD + "\"}")
                .getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public BenchRequest nextRequest(long sequence) {
        return login;
    }
}
