package dev.kedai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * No password is made up by a render (a render without a cluster cannot remember one, so every
 * `helm template` or GitOps render would change them behind MariaDB's back), none lands in a
 * ConfigMap, none is in k8s/, and the Secrets the user creates are the ones docs/deploy.md
 * tells how to create.
 */
class SecretsTest {
    /** The Secrets the default values name: the user creates them (docs/deploy.md, "Secrets"). */
    static final Set<String> USER_SECRETS = Set.of("kedai-db-passwords", "kedai-redis", "kedai-jwt-keys", "kedai-jwt-kong",
            "kedai-auth-grpc-tls", "kedai-user-grpc-tls", "kedai-product-grpc-tls", "kedai-stock-grpc-tls", "kedai-cartorder-grpc-tls");

    @ParameterizedTest
    @EnumSource(Profile.class)
    void aRenderMakesUpNoPassword(Profile profile) {
        String first = ChartRenderer.template(profile, Map.of());
        String second = ChartRenderer.template(profile, Map.of());
        assertThat(second).as("two renders of %s are identical (nothing random)", profile).isEqualTo(first);
        for (Rendered.Manifest secret : ChartRenderer.parse(first).ofKind("Secret")) {
            // the only Secrets these values render hold public keys: Kong's credentials, auth's previous keys
            assertThat("jwt".equals(secret.labels().path("konghq.com/credential").asText()) || secret.name().endsWith("-jwt-previous"))
                    .as("%s holds only public keys", secret).isTrue();
        }
    }

    @Test
    void withoutAPasswordSecretTheRenderFailsWithAMessage() {
        ChartLintTest.assertThatRenderFails(Map.of("database.existingSecret", ""), "database.existingSecret");
        ChartLintTest.assertThatRenderFails(Map.of("database.passwords.auth", "only-one"), "database.passwords.");
        ChartLintTest.assertThatRenderFails(Map.of("redis.existingSecret", ""), "the in-chart Redis requires a password");
    }

    @Test
    void passwordsGivenAsValuesGoIntoOneSecretTheServicesAndMariaDbRead() {
        Map<String, Object> sets = new java.util.HashMap<>();
        for (String key : List.of("auth", "user", "product", "stock", "cartorder", "root")) {
            sets.put("database.passwords." + key, "pw-" + key);
        }
        sets.put("redis.password", "redis-pw");
        Rendered rendered = ChartRenderer.render(Profile.DEFAULTS, sets);
        JsonNode db = rendered.get("Secret", "kedai-db-passwords").object().path("data");
        assertThat(new String(java.util.Base64.getDecoder().decode(db.path("stock").asText()))).isEqualTo("pw-stock");
        JsonNode redis = rendered.get("Secret", "kedai-redis").object().path("data");
        assertThat(new String(java.util.Base64.getDecoder().decode(redis.path("kong-password").asText())))
                .as("Kong's configPatches take a JSON value").isEqualTo("\"redis-pw\"");
        assertThat(secretRefs(rendered)).contains("kedai-db-passwords/stock", "kedai-db-passwords/root", "kedai-redis/password",
                "kedai-redis/kong-password");
    }

    /** Defect 4 and issue 14: no ConfigMap holds a password or a URL with one; in-chart Redis requires its password. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void passwordsStayInSecrets(Profile profile) {
        Rendered rendered = ChartRenderer.render(profile);
        for (Rendered.Manifest cm : rendered.ofKind("ConfigMap")) {
            cm.object().path("data").fields().forEachRemaining(e -> {
                assertThat(e.getKey()).as("%s", cm).doesNotContainIgnoringCase("password");
                assertThat(e.getValue().asText()).as("%s %s", cm, e.getKey()).doesNotContainPattern("rediss?://[^/\\s]*@");
            });
        }
        for (String service : PolicyTest.SERVICES) {
            Map<String, JsonNode> env = env(rendered.get("Deployment", KongEdgeTest.prefix(profile) + "-" + service));
            assertThat(env.get("REDIS_URL").path("value").asText()).startsWith(profile == Profile.EXTERNAL ? "rediss://:$(REDIS_PASSWORD)@" : "redis://:$(REDIS_PASSWORD)@");
            assertThat(env.get("REDIS_PASSWORD").path("valueFrom").path("secretKeyRef").path("key").asText()).isEqualTo("password");
            assertThat(env.get("DB_CONNECTION_PASSWORD").path("valueFrom").path("secretKeyRef").path("key").asText()).isEqualTo(service);
        }
        rendered.find("Deployment", "kedai-redis").ifPresent(redis -> {
            JsonNode container = PolicyTest.podSpec(redis).path("containers").get(0);
            assertThat(PolicyTest.texts(container.path("args"))).containsSequence("--requirepass", "$(REDIS_PASSWORD)");
            assertThat(env(redis).get("REDIS_PASSWORD").path("valueFrom").path("secretKeyRef").path("name").asText()).isEqualTo("kedai-redis");
        });
    }

    /** Issue 14: k8s/ holds no usable secret: it names the Secrets the user creates with the documented commands. */
    @Test
    void k8sHoldsNoSecretAndNamesOnlyDocumentedOnes() throws IOException {
        Set<String> referenced = new HashSet<>();
        for (List<Rendered.Manifest> file : K8sManifests.fromDisk().values()) {
            for (Rendered.Manifest m : file) {
                assertThat(m.kind()).as("k8s/ ships no Secret").isNotEqualTo("Secret");
                referenced.addAll(secretRefs(m.object()).stream().map(r -> r.substring(0, r.indexOf('/'))).toList());
                m.object().path("credentials").forEach(c -> referenced.add(c.asText()));
                m.object().path("spec").path("template").path("spec").path("volumes")
                        .forEach(v -> { if (v.has("secret")) referenced.add(v.path("secret").path("secretName").asText()); });
            }
        }
        assertThat(referenced).isEqualTo(USER_SECRETS);
        String docs = ChartRenderer.read(Repo.root().resolve("docs/deploy.md"));
        for (String secret : USER_SECRETS) {
            if (secret.endsWith("-grpc-tls")) {
                continue;   // made in one loop over the services, below
            }
            assertThat(docs).as("docs/deploy.md creates %s", secret).containsPattern("kubectl -n \\S+ create secret generic " + secret + " ");
        }
        assertThat(docs).as("docs/deploy.md creates each service's gRPC certificate Secret")
                .contains("for svc in auth user product stock cartorder; do")
                .containsPattern("kubectl -n \\S+ create secret generic kedai-\\$svc-grpc-tls ");
    }

    static Set<String> secretRefs(Rendered rendered) {
        Set<String> refs = new HashSet<>();
        rendered.manifests().forEach(m -> refs.addAll(secretRefs(m.object())));
        return refs;
    }

    /** Every secretKeyRef in an object, as name/key. */
    static Set<String> secretRefs(JsonNode node) {
        Set<String> refs = new HashSet<>();
        if (node.isObject()) {
            if (node.has("secretKeyRef")) {
                refs.add(node.path("secretKeyRef").path("name").asText() + "/" + node.path("secretKeyRef").path("key").asText());
            }
            node.elements().forEachRemaining(child -> refs.addAll(secretRefs(child)));
        } else if (node.isArray()) {
            node.forEach(child -> refs.addAll(secretRefs(child)));
        }
        return refs;
    }

    static Map<String, JsonNode> env(Rendered.Manifest workload) {
        Map<String, JsonNode> env = new java.util.HashMap<>();
        PolicyTest.podSpec(workload).path("containers").get(0).path("env").forEach(e -> env.put(e.path("name").asText(), e));
        return env;
    }
}
