package dev.kedai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * What the chart tells Kong, checked against how Kong and KIC read it (Kong 3.x's plugin schemas,
 * runloop and jwt handler; KIC 3.x's credential and configPatches handling): the rate limits reach
 * Redis from Kong's namespace with its password, tokens are verified by kid with both keys of a
 * rotation, the values that must reach Kong do, and nothing spills onto other applications of a
 * shared Kong.
 */
class KongEdgeTest {

    static Rendered render(Profile profile) {
        return ChartRenderer.render(profile);
    }

    static String prefix(Profile profile) {
        return profile == Profile.EXTERNAL ? "shop" : "kedai";
    }

    static List<Rendered.Manifest> plugins(Rendered rendered, String type) {
        return rendered.ofKind("KongPlugin").stream().filter(p -> p.object().path("plugin").asText().equals(type)).toList();
    }

    /** Defect 1: Kong runs in another namespace, so "kedai-redis" resolves to nothing there (and fault_tolerant lets all through). */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void rateLimitsReachRedisFromKongsNamespace(Profile profile) {
        Rendered rendered = render(profile);
        List<Rendered.Manifest> limits = plugins(rendered, "rate-limiting");
        assertThat(limits).hasSize(2);
        for (Rendered.Manifest limit : limits) {
            JsonNode redis = limit.object().path("config").path("redis");
            String host = redis.path("host").asText();
            if (profile == Profile.EXTERNAL) {
                assertThat(host).isEqualTo("redis.shop.example");
            } else if (profile == Profile.HA) {
                assertThat(host).isEqualTo("redis.example.internal");
            } else {
                // <service>.<namespace>.svc: resolvable from any namespace through the cluster's search path
                String service = prefix(profile) + "-redis";
                assertThat(host).as("%s redis host", limit).isEqualTo(service + "." + ChartRenderer.NAMESPACE + ".svc");
                rendered.get("Service", service);
            }
        }
    }

    /** Issue 14: the in-chart Redis requires a password; Kong's rate limits send it (configPatches from the Secret). */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void rateLimitsAuthenticateToRedisWithThePasswordFromItsSecret(Profile profile) {
        Rendered rendered = render(profile);
        String secret = profile == Profile.EXTERNAL ? "shop-redis" : "kedai-redis";
        for (Rendered.Manifest limit : plugins(rendered, "rate-limiting")) {
            JsonNode patches = limit.object().path("configPatches");
            assertThat(patches).as("%s configPatches", limit).hasSize(1);
            assertThat(patches.get(0).path("path").asText()).isEqualTo("/redis/password");
            assertThat(patches.get(0).path("valueFrom").path("secretKeyRef").path("name").asText()).isEqualTo(secret);
            assertThat(patches.get(0).path("valueFrom").path("secretKeyRef").path("key").asText()).isEqualTo("kong-password");
            assertThat(limit.object().path("config").path("redis").has("password")).as("no password in the plugin itself").isFalse();
        }
    }

    /** Defect 4: external Redis: port, TLS and database reach Kong, not only the host. */
    @Test
    void externalRedisPortTlsAndDatabaseReachKong() {
        for (Rendered.Manifest limit : plugins(render(Profile.EXTERNAL), "rate-limiting")) {
            JsonNode redis = limit.object().path("config").path("redis");
            assertThat(redis.path("port").asInt()).isEqualTo(6380);
            assertThat(redis.path("ssl").asBoolean()).isTrue();
            assertThat(redis.path("ssl_verify").asBoolean()).isTrue();
            assertThat(redis.path("server_name").asText()).isEqualTo("redis.shop.example");
            assertThat(redis.path("database").asInt()).as("Kong's counters stay out of the services' database").isEqualTo(3);
        }
    }

    /** Defect 3: without Kong's public key the render must fail, never keep a placeholder key. */
    @Test
    void haFailsClearlyWhenKongCannotGetThePublicKey(@TempDir Path tmp) throws IOException {
        Path noCredentials = tmp.resolve("no-credentials.yaml");
        Files.writeString(noCredentials, "jwt:\n  kongCredentialSecrets: []\n");
        ChartLintTest.assertThatRenderFails(Profile.HA, Map.of(), noCredentials, "Kong cannot verify auth's tokens");
        ChartLintTest.assertThatRenderFails(Profile.HA, Map.of("jwt.publicKeyPem", "PEM"), null, "jwt.kid is required");
        for (Profile profile : Profile.values()) {
            for (Rendered.Manifest s : render(profile).ofKind("Secret")) {
                assertThat(s.yaml()).as("%s %s: no placeholder key", profile, s).doesNotContain("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAmO7JYBJ7nTx8JrV4DDcb");
            }
        }
    }

    /** Defect 6: Kong selects the key by kid, one credential per key: the two-key state of a rotation verifies both. */
    @Test
    void rotationStateHasOneCredentialPerKidAndAuthPublishesBoth() {
        Rendered rendered = render(Profile.EXTERNAL);
        JsonNode jwt = plugins(rendered, "jwt").get(0).object().path("config");
        assertThat(jwt.path("key_claim_name").asText()).isEqualTo("kid");

        Rendered.Manifest consumer = rendered.ofKind("KongConsumer").get(0);
        List<String> credentialNames = PolicyTest.texts(consumer.object().path("credentials"));
        assertThat(credentialNames).hasSize(2);
        List<String> kids = new ArrayList<>();
        for (String name : credentialNames) {
            Rendered.Manifest credential = rendered.get("Secret", name);
            assertThat(credential.labels().path("konghq.com/credential").asText()).isEqualTo("jwt");
            JsonNode data = credential.object().path("stringData");
            data.fieldNames().forEachRemaining(k -> assertThat(StrictModel.KONG_JWT_CREDENTIAL).as("credential field").contains(k));
            assertThat(data.path("algorithm").asText()).isEqualTo("RS256");
            kids.add(data.path("key").asText());
            assertThat(data.path("rsa_public_key").asText()).contains("BEGIN PUBLIC KEY");
        }
        assertThat(kids).containsExactly("shop-2026-12", "shop-2026-06");
        assertThat(rendered.get("Secret", credentialNames.get(1)).object().path("stringData").path("rsa_public_key").asText())
                .contains("OLD-KEY-FOR-THE-TESTS");

        // auth signs with the new kid and still publishes the old key
        var auth = ServiceConfigTest.serviceConfig(rendered, "auth", Map.of());
        assertThat(auth.get("auth.keys.kid").asString().get()).isEqualTo("shop-2026-12");
        assertThat(auth.get("auth.keys.previous.0.kid").asString().get()).isEqualTo("shop-2026-06");
    }

    /** Defect 5: issuer, prefix and TTL reach Kong; maximum_expiration = TTL + a margin for clocks. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void prefixTtlAndIssuerReachKong(Profile profile) {
        Rendered rendered = render(profile);
        String prefix = prefix(profile);
        int ttl = profile == Profile.EXTERNAL ? 1800 : 900;
        int skew = profile == Profile.EXTERNAL ? 30 : 60;

        JsonNode jwt = plugins(rendered, "jwt").get(0).object().path("config");
        assertThat(jwt.path("maximum_expiration").asInt()).isEqualTo(ttl + skew);
        var auth = ServiceConfigTest.serviceConfig(rendered, "auth", Map.of());
        assertThat(auth.get("auth.access-token-ttl").asString().get()).isEqualTo("PT" + ttl + "S");
        // Kong finds the credential by kid, so no issuer is compared at the edge; the services check it
        String issuer = profile == Profile.EXTERNAL ? "https://id.shop.example" : "kedai-auth";
        for (String service : PolicyTest.SERVICES) {
            assertThat(ServiceConfigTest.serviceConfig(rendered, service, Map.of()).get("security.jwt.issuer").asString().get())
                    .isEqualTo(issuer);
        }

        Set<String> services = new HashSet<>();
        rendered.ofKind("Service").forEach(s -> services.add(s.name()));
        Set<String> plugins = new HashSet<>();
        rendered.ofKind("KongPlugin").forEach(p -> plugins.add(p.name()));
        assertThat(rendered.ofKind("Ingress")).isNotEmpty().allSatisfy(ingress -> {
            assertThat(ingress.name()).startsWith(prefix + "-");
            for (String plugin : ingress.object().path("metadata").path("annotations").path("konghq.com/plugins").asText().split(",")) {
                assertThat(plugins).as("%s plugin", ingress).contains(plugin);
            }
            ingress.object().path("spec").path("rules").forEach(rule -> rule.path("http").path("paths").forEach(p ->
                    assertThat(services).as("%s backend", ingress).contains(p.path("backend").path("service").path("name").asText())));
        });
        assertThat(rendered.ofKind("KongPlugin")).allSatisfy(p -> assertThat(p.name()).startsWith(prefix + "-"));
    }

    /** Defect 7: no global or cluster-scoped plugin; names unique per release; the host and class are values. */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void kongPluginsAttachToKedaisOwnRoutesOnly(Profile profile) {
        Rendered rendered = render(profile);
        assertThat(rendered.ofKind("KongClusterPlugin")).as("cluster-scoped plugins apply to every route of a shared Kong").isEmpty();
        assertThat(rendered.ofKind("KongPlugin")).allSatisfy(p ->
                assertThat(p.labels().path("global").asText()).as("%s global label", p).isNotEqualTo("true"));
        List<String> common = List.of("correlation-id", "opentelemetry", "request-size-limiting", "prometheus", "cors",
                "rate-limiting");
        Map<String, String> typeByName = new java.util.HashMap<>();
        rendered.ofKind("KongPlugin").forEach(p -> typeByName.put(p.name(), p.object().path("plugin").asText()));
        for (Rendered.Manifest ingress : rendered.ofKind("Ingress")) {
            List<String> types = new ArrayList<>();
            for (String name : ingress.object().path("metadata").path("annotations").path("konghq.com/plugins").asText().split(",")) {
                types.add(typeByName.get(name));
            }
            assertThat(types).as("%s plugins", ingress).containsAll(common);
            String expectedHost = profile == Profile.EXTERNAL ? "api.shop.example" : null;
            ingress.object().path("spec").path("rules").forEach(rule ->
                    assertThat(rule.path("host").asText(null)).as("%s host", ingress).isEqualTo(expectedHost));
            assertThat(ingress.object().path("spec").path("ingressClassName").asText())
                    .isEqualTo(profile == Profile.EXTERNAL ? "kong-shop" : "kong");
        }
        // Kong's consumers are global to Kong: the username carries namespace and release
        assertThat(rendered.ofKind("KongConsumer")).singleElement().satisfies(c -> assertThat(c.object().path("username").asText())
                .isEqualTo(ChartRenderer.NAMESPACE + "." + ChartRenderer.RELEASE + "." + prefix(profile) + "-auth"));
    }

    /** Issue 14: the default CORS origin is an explicit list, never "*". */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void corsOriginsAreAnExplicitList(Profile profile) {
        JsonNode origins = plugins(render(profile), "cors").get(0).object().path("config").path("origins");
        assertThat(PolicyTest.texts(origins)).isNotEmpty().allSatisfy(o -> assertThat(o).matches("https?://[^*/]+"));
        ChartLintTest.assertThatRenderFails(Map.of("kong.cors.origins[0]", "*"), "origins");
    }

    /** Issue 14: auth counts logins per client address through Kong's X-Forwarded-For (Kong appends its peer). */
    @ParameterizedTest
    @EnumSource(Profile.class)
    void authTrustsTheForwardedForHopsOfKong(Profile profile) {
        var auth = ServiceConfigTest.serviceConfig(render(profile), "auth", Map.of());
        assertThat(auth.get("auth.client-ip.trusted-proxy-hops").asInt().get()).isEqualTo(profile == Profile.EXTERNAL ? 2 : 1);
    }
}
