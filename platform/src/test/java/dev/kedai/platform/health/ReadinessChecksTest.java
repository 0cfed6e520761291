package dev.kedai.platform.health;

import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;

import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.TestInfra;
import io.helidon.health.HealthCheckResponse;
import redis.clients.jedis.RedisClient;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ReadinessChecksTest {

    @Test
    void kafkaUpAndDown() throws Exception {
        InfraEndpoints infra = TestInfra.get();
        try (KafkaReadiness up = new KafkaReadiness(infra.kafkaBootstrap(), Duration.ofSeconds(5))) {
            assertThat(up.call().status()).isEqualTo(HealthCheckResponse.Status.UP);
        }
        try (KafkaReadiness down = new KafkaReadiness("127.0.0.1:" + freePort(), Duration.ofMillis(500))) {
            assertThat(down.call().status()).isEqualTo(HealthCheckResponse.Status.DOWN);
        }
    }

    @Test
    void redisUpAndDown() throws Exception {
        try (RedisReadiness up = new RedisReadiness(RedisClient.create(URI.create(TestInfra.get().redisUrl())))) {
            assertThat(up.call().status()).isEqualTo(HealthCheckResponse.Status.UP);
        }
        try (RedisReadiness down = new RedisReadiness(RedisClient.create(URI.create("redis://127.0.0.1:" + freePort())))) {
            assertThat(down.call().status()).isEqualTo(HealthCheckResponse.Status.DOWN);
        }
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
