package dev.kedai.platform.server;

import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.db.TestDatabases;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestServiceConfig;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Readiness means "this pod can serve": its database. With neither Kafka nor Redis reachable the
 * pod stays ready and live, and the health details and {@code kedai_dependency_up} say what is
 * down. Fails when readiness includes Kafka and Redis (a broker blip took every pod of every
 * service out of its Service at once).
 */
class BackboneHealthTest {

    @Test
    void aPodWithoutKafkaAndRedisIsReadyAndSaysWhatIsDown() throws Exception {
        DbAccount account = TestInfra.newDatabase("platbackbone");
        Map<String, String> m;
        try (TestTokens tokens = TestTokens.start()) {
            m = new HashMap<>(TestServiceConfig.overrides(account, tokens));
        }
        m.put("service.name", "backbone-test");
        m.put("db.migration.locations.0", TestDatabases.TEST_MIGRATIONS);
        m.put("kafka.bootstrap-servers", "127.0.0.1:" + freePort());
        m.put("kafka.health-timeout", "PT0.5S");
        m.put("redis.url", "redis://127.0.0.1:" + freePort());
        m.put("health.dependency-probe-interval", "PT0.2S");
        Backbone base = Backbone.start(Config.just(ConfigSources.create(m)));
        KedaiServer server = base.server("backbone-test").build().start();
        try {
            TestHttp admin = new TestHttp(server.adminPort());
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    "DOWN".equals(check(admin.get("/observe/health/ready"), "kafka").path("data").path("state").asText())
                    && "DOWN".equals(check(admin.get("/observe/health/ready"), "redis").path("data").path("state").asText()));
            HttpResponse<String> ready = admin.get("/observe/health/ready");
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            assertThat(check(ready, "db").path("status").asText()).isEqualTo("UP");
            assertThat(admin.get("/observe/health/live").statusCode()).isEqualTo(200);
            assertThat(admin.get("/observe/metrics").body())
                    .containsPattern("kedai_dependency_up\\{[^}]*dependency=\"kafka\"[^}]*} 0\\.0")
                    .containsPattern("kedai_dependency_up\\{[^}]*dependency=\"redis\"[^}]*} 0\\.0")
                    .containsPattern("kedai_loop_last_success_timestamp_seconds\\{[^}]*loop=\"outbox-relay-backbone-test\"");
        } finally {
            server.stop();
        }
    }

    private static JsonNode check(HttpResponse<String> health, String name) {
        for (JsonNode c : TestHttp.json(health).path("checks")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
