package dev.kedai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.config.EnvironmentVariables;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The chart configures the services through environment variables: this reads each service's
 * application.yaml and the rendered ConfigMap/env exactly as Helidon 4 does (its
 * EnvironmentVariables mapping: '_' is '.', '_DASH_' is '-', plus a lower-case alias) and checks
 * the keys the service reads get the values the chart means.
 */
class ServiceConfigTest {

    @ParameterizedTest
    @ValueSource(strings = {"auth", "user", "product", "stock", "cartorder"})
    void environmentReachesTheServiceConfigKeys(String service) {
        Rendered rendered = ChartRenderer.render(Profile.DEFAULTS);
        Config config = serviceConfig(rendered, service, Map.of("DB_CONNECTION_PASSWORD", "from-secret", "REDIS_PASSWORD", "redis-pw"));
        JsonNode ports = rendered.get("Service", "kedai-" + service).object().path("spec").path("ports");

        assertThat(config.get("server.port").asInt().get()).isEqualTo(ports.get(0).path("port").asInt());
        assertThat(config.get("grpc.port").asInt().get()).isEqualTo(ports.get(1).path("port").asInt());
        assertThat(config.get("server.sockets").asNodeList().get()).hasSize(1);
        assertThat(config.get("server.sockets.0.name").asString().get()).isEqualTo("admin");
        assertThat(config.get("server.sockets.0.port").asInt().get()).isEqualTo(ports.get(2).path("port").asInt());
        assertThat(config.get("db.connection.url").asString().get()).isEqualTo("jdbc:mysql://kedai-mysql:3306/kedai_" + service);
        assertThat(config.get("db.connection.username").asString().get()).isEqualTo(service);
        assertThat(config.get("db.connection.password").asString().get()).isEqualTo("from-secret");
        assertThat(config.get("db.connection.maximumPoolSize").asInt().get()).isEqualTo(10);
        assertThat(config.get("db.background.maximumPoolSize").asInt().get()).isEqualTo(4);
        assertThat(config.get("kafka.bootstrap-servers").asString().get()).isEqualTo("kedai-kafka:9092");
        assertThat(config.get("redis.url").asString().get()).isEqualTo("redis://:redis-pw@kedai-redis.kedai.svc:6379/0");
        assertThat(config.get("security.jwt.jwks-url").asString().get()).isEqualTo("http://kedai-auth:8003/auth/jwks");
        assertThat(config.get("security.jwt.issuer").asString().get()).isEqualTo("kedai-auth");
        assertThat(config.get("log.level").asString().get()).isEqualTo("INFO");
    }

    /**
     * Issue 14: every service's gRPC identity (mutual TLS) comes from its own Secret, mounted read-only,
     * and its grpc.tls.* keys name the mounted files; gRPC listens on the pod's address.
     */
    @ParameterizedTest
    @ValueSource(strings = {"auth", "user", "product", "stock", "cartorder"})
    void grpcCertificatesComeFromTheServicesOwnSecret(String service) {
        Rendered rendered = ChartRenderer.render(Profile.DEFAULTS);
        Config config = serviceConfig(rendered, service, Map.of());
        Rendered.Manifest deployment = rendered.get("Deployment", "kedai-" + service);
        JsonNode volume = null;
        for (JsonNode v : PolicyTest.podSpec(deployment).path("volumes")) {
            if (v.path("name").asText().equals("grpc-tls")) {
                volume = v;
            }
        }
        assertThat(volume).as("grpc-tls volume of %s", service).isNotNull();
        assertThat(volume.path("secret").path("secretName").asText()).isEqualTo("kedai-" + service + "-grpc-tls");
        assertThat(PolicyTest.texts(volume.path("secret").path("items"), "key")).containsExactly("tls.crt", "tls.key", "ca.crt");
        JsonNode mount = null;
        for (JsonNode m : PolicyTest.podSpec(deployment).path("containers").get(0).path("volumeMounts")) {
            if (m.path("name").asText().equals("grpc-tls")) {
                mount = m;
            }
        }
        assertThat(mount).isNotNull();
        assertThat(mount.path("readOnly").asBoolean()).isTrue();
        String dir = mount.path("mountPath").asText();
        assertThat(config.get("grpc.tls.cert").asString().get()).isEqualTo(dir + "/tls.crt");
        assertThat(config.get("grpc.tls.key").asString().get()).isEqualTo(dir + "/tls.key");
        assertThat(config.get("grpc.tls.ca").asString().get()).isEqualTo(dir + "/ca.crt");
        assertThat(config.get("grpc.host").asString().get()).isEqualTo("0.0.0.0");
        assertThat(config.get("grpc.reflection").exists()).as("reflection stays off").isFalse();
    }

    @Test
    void peersAreTheServicesGrpcPorts() {
        Rendered rendered = ChartRenderer.render(Profile.DEFAULTS);
        Config cartorder = serviceConfig(rendered, "cartorder", Map.of());
        Config stock = serviceConfig(rendered, "stock", Map.of());

        assertThat(cartorder.get("peers.stock.grpc").asString().get()).isEqualTo("kedai-stock:7002");
        assertThat(cartorder.get("peers.product.grpc").asString().get()).isEqualTo("kedai-product:7005");
        assertThat(cartorder.get("peers.user.grpc").asString().get()).isEqualTo("kedai-user:7004");
        assertThat(stock.get("peers.cartorder.grpc").asString().get()).isEqualTo("kedai-cartorder:7001");
        assertThat(stock.get("peers.product.grpc").asString().get()).isEqualTo("kedai-product:7005");
    }

    /** Every peer a service's application.yaml names is wired by the chart (and NetworkPolicy allows it). */
    @ParameterizedTest
    @ValueSource(strings = {"auth", "user", "product", "stock", "cartorder"})
    void everyPeerInApplicationYamlIsConfigured(String service) {
        Rendered rendered = ChartRenderer.render(Profile.DEFAULTS);
        Config yaml = Config.just(ConfigSources.file(applicationYaml(service)));
        JsonNode env = rendered.get("ConfigMap", "kedai-" + service).object().path("data");
        for (Config peer : yaml.get("peers").asNodeList().orElse(List.of())) {
            if (peer.get("grpc").exists()) {
                assertThat(env.has("PEERS_" + peer.name().toUpperCase() + "_GRPC")).as("%s peer %s", service, peer.name()).isTrue();
                assertThat(rendered.get("NetworkPolicy", "kedai-" + service).object().toString())
                        .contains("\"app.kubernetes.io/name\":\"kedai-" + peer.name() + "\"");
            }
        }
    }

    @Test
    void authSigningKeysComeFromTheSecretFilesIncludingPreviousOnes() {
        Rendered rendered = ChartRenderer.render(Profile.DEFAULTS, Map.of(
                "jwt.privateKeyPem", "PRIVATE", "jwt.publicKeyPem", "PUBLIC", "jwt.kid", "k2",
                "jwt.previousKeys[0].kid", "k1", "jwt.previousKeys[0].publicKeyPem", "OLD"));
        Config config = serviceConfig(rendered, "auth", Map.of());

        assertThat(config.get("auth.keys.private-pem-path").asString().get()).isEqualTo("/etc/kedai/jwt/private.pem");
        assertThat(config.get("auth.keys.kid").asString().get()).isEqualTo("k2");
        List<Config> previous = config.get("auth.keys.previous").asNodeList().get();
        assertThat(previous).hasSize(1);
        assertThat(previous.get(0).get("kid").asString().get()).isEqualTo("k1");
        assertThat(previous.get(0).get("public-pem-path").asString().get()).isEqualTo("/etc/kedai/jwt-previous/0.pem");
        // Kong verifies with the same keys, one credential per kid
        List<String> kongKeys = rendered.ofKind("Secret").stream()
                .filter(s -> "jwt".equals(s.labels().path("konghq.com/credential").asText()))
                .map(s -> s.object().path("stringData").path("key").asText() + "=" + s.object().path("stringData").path("rsa_public_key").asText())
                .toList();
        assertThat(kongKeys).containsExactly("k2=PUBLIC", "k1=OLD");
        assertThat(rendered.get("Secret", "kedai-jwt-keys").object().path("data").has("private.pem")).isTrue();
    }

    /** Without jwt.kid the kid comes from the signing key's Secret, so auth and Kong's credential agree on it. */
    @Test
    void authsKidComesFromItsKeySecretByDefault() {
        JsonNode env = ChartRenderer.render(Profile.DEFAULTS).get("Deployment", "kedai-auth").object()
                .path("spec").path("template").path("spec").path("containers").get(0).path("env");
        JsonNode kid = null;
        for (JsonNode e : env) {
            if (e.path("name").asText().equals("AUTH_KEYS_KID")) {
                kid = e;
            }
        }
        assertThat(kid).isNotNull();
        assertThat(kid.path("valueFrom").path("secretKeyRef").path("name").asText()).isEqualTo("kedai-jwt-keys");
        assertThat(kid.path("valueFrom").path("secretKeyRef").path("key").asText()).isEqualTo("kid");
    }

    /** The service's config as its pod would see it: rendered env over its application.yaml. */
    static Config serviceConfig(Rendered rendered, String service, Map<String, String> secretEnv) {
        Map<String, String> env = new HashMap<>();
        rendered.get("ConfigMap", rendered.service(service)).object().path("data").fields()
                .forEachRemaining(e -> env.put(e.getKey(), e.getValue().asText()));
        JsonNode container = rendered.get("Deployment", rendered.service(service)).object()
                .path("spec").path("template").path("spec").path("containers").get(0);
        env.putAll(secretEnv);
        for (JsonNode e : container.path("env")) {
            if (e.has("value")) {
                env.put(e.path("name").asText(), expand(e.path("value").asText(), env));
            }
        }
        return Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(EnvironmentVariables.expand(env)), ConfigSources.file(applicationYaml(service)))
                .build();
    }

    /** The kubelet's $(NAME) expansion of variables defined before (a missing one stays as written). */
    static String expand(String value, Map<String, String> env) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)").matcher(value);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement(env.getOrDefault(m.group(1), m.group())));
        }
        return m.appendTail(out).toString();
    }

    static Path applicationYaml(String service) {
        return Repo.root().resolve(service).resolve("src/main/resources/application.yaml");
    }
}
