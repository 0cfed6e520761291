package dev.kedai.platform.health;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;

import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.redis.RedisPool;
import io.helidon.health.HealthCheckResponse;
import redis.clients.jedis.ConnectionPoolConfig;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Kafka and Redis are probed and reported in the details, and never fail readiness. */
class DependencyHealthTest {

    @Test
    void kafkaUpAndDown() throws Exception {
        InfraEndpoints infra = TestInfra.get();
        try (KafkaHealth up = new KafkaHealth(infra.kafkaBootstrap(), Duration.ofSeconds(5))) {
            up.probe();
            assertThat(up.up()).isTrue();
            assertThat(up.call().details()).containsEntry("state", "UP");
        }
        try (KafkaHealth down = new KafkaHealth("127.0.0.1:" + freePort(), Duration.ofMillis(500))) {
            down.probe();
            assertThat(down.up()).isFalse();
            assertThat(down.call().status()).as("never readiness").isEqualTo(HealthCheckResponse.Status.UP);
            assertThat(down.call().details()).containsEntry("state", "DOWN").containsKey("error");
        }
    }

    @Test
    void redisUpAndDown() throws Exception {
        try (RedisHealth up = new RedisHealth(redis(TestInfra.get().redisUrl()))) {
            up.probe();
            assertThat(up.up()).isTrue();
        }
        try (RedisHealth down = new RedisHealth(redis("redis://127.0.0.1:" + freePort()))) {
            down.probe();
            assertThat(down.up()).isFalse();
            assertThat(down.call().status()).isEqualTo(HealthCheckResponse.Status.UP);
            assertThat(down.call().details()).containsEntry("state", "DOWN");
        }
    }

    private static redis.clients.jedis.RedisClient redis(String url) {
        return RedisPool.create(URI.create(url), Duration.ofMillis(500), new ConnectionPoolConfig());
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
