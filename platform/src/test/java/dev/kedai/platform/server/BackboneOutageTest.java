package dev.kedai.platform.server;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.db.TestDatabases;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.testing.TcpProxy;
import dev.kedai.platform.testing.TestServiceConfig;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A service built on {@link Backbone} as the five are, its MariaDB and its Redis each behind a
 * {@link TcpProxy}: when the database goes away, readiness answers 503 (and 200 once it is
 * back); when Redis goes away, a token can no longer be checked against the deny list, so every
 * authenticated request fails closed with 503 (never 200, never 500) until Redis is back.
 */
class BackboneOutageTest {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Duration WAIT = Duration.ofSeconds(30);

    private static TestTokens tokens;
    private static TcpProxy db;
    private static TcpProxy redis;
    private static KedaiServer server;

    @BeforeAll
    static void start() {
        InfraEndpoints infra = TestInfra.get();
        DbAccount account = TestInfra.newDatabase("outage");
        db = TcpProxy.to(infra.dbHost(), infra.dbPort());
        redis = TcpProxy.to(URI.create(infra.redisUrl()));
        tokens = TestTokens.start();
        DbAccount throughProxy = new DbAccount("jdbc:mysql://127.0.0.1:" + db.port() + "/" + account.schema(),
                                               account.user(), account.password());
        Map<String, String> m = new HashMap<>(TestServiceConfig.overrides(throughProxy, tokens));
        m.put("openapi.static-file", "kedai-test/openapi.yaml");
        m.put("db.connection.connectionTimeout", "1000");
        m.put("db.migration.locations.0", TestDatabases.TEST_MIGRATIONS);
        m.put("redis.url", redis.url("redis"));
        Config config = Config.just(ConfigSources.create(m));
        Backbone base = Backbone.start(config);
        server = base.server("outage")
                .filter(base.authentication())
                .routing(rules -> rules.get("/me", (req, res) -> res.send(Authentication.caller(req).userId())))
                .build()
                .start();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
        if (db != null) {
            db.close();
        }
        if (redis != null) {
            redis.close();
        }
        tokens.close();
    }

    @Test
    void readinessIs503WhileTheDatabaseIsAway() {
        await().atMost(WAIT).until(() -> ready() == 200);
        db.cut();
        try {
            await().atMost(WAIT).until(() -> ready() == 503);
        } finally {
            db.restore();
        }
        await().atMost(WAIT).until(() -> ready() == 200);
    }

    @Test
    void withoutRedisEveryAuthenticatedRequestFailsClosedWith503() throws Exception {
        String valid = tokens.mint("user-ok", "customer");
        String revoked = tokens.mint("user-out", "customer");
        JsonNode claims = Json.mapper().readTree(Base64.getUrlDecoder().decode(revoked.split("\\.")[1]));
        try (var denyList = dev.kedai.platform.security.DenyList.create(
                Config.just(ConfigSources.create(Map.of("redis.url", redis.url("redis")))))) {
            denyList.revokeSession(claims.get("sid").asText(), Instant.now().plusSeconds(900));
        }
        assertThat(me(valid).statusCode()).isEqualTo(200);
        assertThat(me(revoked).statusCode()).isEqualTo(401);

        redis.cut();
        try {
            for (int i = 0; i < 10; i++) {
                HttpResponse<String> answer = me(i % 2 == 0 ? valid : revoked);
                assertThat(answer.statusCode()).as("request %d without Redis: %s", i, answer.body()).isEqualTo(503);
                assertThat(answer.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            }
        } finally {
            redis.restore();
        }
        await().atMost(WAIT).until(() -> me(valid).statusCode() == 200);
        assertThat(me(revoked).statusCode()).isEqualTo(401);
    }

    private static int ready() throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort()
                        + "/observe/health/ready")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static HttpResponse<String> me(String token) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/me"))
                .header("Authorization", "Bearer " + token).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    }
}
