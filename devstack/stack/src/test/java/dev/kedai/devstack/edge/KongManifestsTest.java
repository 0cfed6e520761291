package dev.kedai.devstack.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.kedai.devstack.StackConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The manifests of {@code kong-ingress/} are consistent with themselves, with the Services of the
 * chart and with the auth service's configuration, and describe the route table of DESIGN §1
 * with Kong's precedence. No cluster needed.
 */
class KongManifestsTest {
    static final Path ROOT = StackConfig.findRepoRoot(Path.of("")).orElseThrow();
    static final Path DIR = ROOT.resolve("kong-ingress");
    static final KongManifests MANIFESTS = KongManifests.load(DIR);
    static final KongRouter ROUTER = KongRouter.of(MANIFESTS);
    static final YAMLMapper YAML = new YAMLMapper();

    @Test
    void everyIngressIsKongsAndKeepsThePath() {
        assertThat(MANIFESTS.ingresses()).isNotEmpty().allSatisfy(ingress -> {
            assertThat(ingress.ingressClassName()).as(ingress.name()).hasValue("kong");
            assertThat(ingress.annotations()).as(ingress.name()).containsEntry("konghq.com/strip-path", "false");
        });
    }

    @Test
    void everyPluginAnIngressReferencesExists() {
        for (KongManifests.Ingress ingress : MANIFESTS.ingresses()) {
            assertThat(MANIFESTS.plugins().keySet()).as(ingress.name()).containsAll(ingress.pluginNames());
        }
    }

    @Test
    void everyBackendIsTheHttpPortOfAServiceOfTheChart() throws IOException {
        Map<String, Set<String>> servicePorts = chartServicePorts();
        assertThat(servicePorts).as("Services of the chart").isNotEmpty();
        for (KongRoute route : ROUTER.routes()) {
            assertThat(servicePorts).as(route.ingress() + " backend").containsKey(route.backend().service());
            assertThat(servicePorts.get(route.backend().service())).as(route.ingress()).contains("http");
            assertThat(route.backend().port()).as(route.ingress() + ": only the http port is routed").isEqualTo("http");
        }
    }

    @Test
    void adminAndObservePathsAreNotRouted() {
        for (String path : List.of("/observe/health/ready", "/observe/metrics", "/metrics", "/health", "/openapi")) {
            assertThat(ROUTER.route("GET", "kedai.example", path)).as(path).isEmpty();
        }
    }

    /**
     * Kong picks the credential by the token header's kid: one credential per signing key, made in
     * the cluster from auth's public keys (the chart, or `kubectl create secret` for k8s/), so
     * kong-ingress/ names it but ships no key, let alone a placeholder one.
     */
    @Test
    void theJwtCredentialsAreKeyedByKidAndMadeInTheCluster() {
        assertThat(MANIFESTS.plugins().get("kedai-jwt").config().path("key_claim_name").asText()).isEqualTo("kid");
        assertThat(MANIFESTS.consumers()).singleElement().satisfies(consumer -> {
            assertThat(consumer.annotations()).containsEntry("kubernetes.io/ingress.class", "kong");
            assertThat(consumer.credentials()).containsExactly("kedai-jwt-kong");
        });
        assertThat(MANIFESTS.secrets()).as("no key material in kong-ingress/").isEmpty();
        assertThat(MANIFESTS.jwtCredentials()).isEmpty();
    }

    @Test
    void theJwtPluginAcceptsNoTokenLivingLongerThanAuthIssues() throws Exception {
        JsonNode authConfig = YAML.readTree(ROOT.resolve("auth/src/main/resources/application.yaml").toFile());
        Duration ttl = Duration.parse(authConfig.path("auth").path("access-token-ttl").asText("PT15M"));
        JsonNode jwt = MANIFESTS.plugins().get("kedai-jwt").config();

        assertThat(MANIFESTS.plugins().get("kedai-jwt").plugin()).isEqualTo("jwt");
        assertThat(jwt.path("claims_to_verify").toString()).isEqualTo("[\"exp\"]");
        // a margin for clocks: Kong refuses exp - now > maximum_expiration, so with no margin a Kong
        // clock one second behind auth's refuses fresh tokens
        assertThat(jwt.path("maximum_expiration").asLong()).isBetween(ttl.toSeconds() + 30, ttl.toSeconds() + 120);
    }

    @Test
    void rateLimitsCountInRedisWithTheKong36Form() {
        List<KongManifests.Plugin> limits = MANIFESTS.plugins().values().stream()
                .filter(p -> p.plugin().equals("rate-limiting")).toList();
        assertThat(limits).hasSize(2).allSatisfy(p -> {
            assertThat(p.config().path("policy").asText()).isEqualTo("redis");
            assertThat(p.config().path("redis").path("host").asText()).isNotBlank();
            assertThat(p.config().path("redis").path("port").asInt()).isPositive();
            // the pre-3.6 flat keys are deprecated
            assertThat(p.config().has("redis_host")).isFalse();
        });
        long general = MANIFESTS.plugins().get("kedai-rate-limit").config().path("minute").asLong();
        long strict = MANIFESTS.plugins().get("kedai-rate-limit-strict").config().path("minute").asLong();
        assertThat(strict).isLessThan(general);
    }

    /**
     * Kedai's plugins attach to its own routes: no global KongClusterPlugin touches the other
     * applications of a shared Kong, and every Ingress names the common ones.
     */
    @Test
    void commonPluginsAreOnEveryRouteAndNoneIsGlobal() {
        assertThat(MANIFESTS.clusterPlugins()).isEmpty();
        for (KongManifests.Ingress ingress : MANIFESTS.ingresses()) {
            assertThat(ingress.pluginNames()).as(ingress.name())
                    .contains("kedai-correlation-id", "kedai-request-size-limiting", "kedai-prometheus");
        }
        JsonNode correlation = MANIFESTS.plugins().get("kedai-correlation-id").config();
        assertThat(correlation.path("header_name").asText()).isEqualTo("X-Request-ID");
        assertThat(correlation.path("echo_downstream").asBoolean()).isTrue();
        assertThat(MANIFESTS.plugins().get("kedai-prometheus").config().path("status_code_metrics").asBoolean()).isTrue();
        assertThat(MANIFESTS.plugins().get("kedai-prometheus").config().path("latency_metrics").asBoolean()).isTrue();
        assertThat(RequestSizeLimit.from(MANIFESTS.plugins().get("kedai-request-size-limiting").config()).allowedBytes())
                .isEqualTo(1024 * 1024);
    }

    @Test
    void corsOriginsAreSet() {
        assertThat(MANIFESTS.plugins().get("kedai-cors").config().path("origins")).isNotEmpty();
    }

    /** The route table of DESIGN §1 / issue 6, resolved with Kong's precedence. */
    @ParameterizedTest(name = "{0} {1} -> {2}")
    @CsvSource({
            "POST,   /cart/add,              kedai-stock",
            "POST,   /cart/fallback,         kedai-stock",
            "POST,   /order/process_stock,   kedai-stock",
            "GET,    /stock,                 kedai-stock",
            "GET,    /stock/p-1,             kedai-stock",
            "POST,   /stock/update,          kedai-stock",
            "GET,    /cart,                  kedai-cartorder",
            "DELETE, /cart/item-1,           kedai-cartorder",
            "DELETE, /cart,                  kedai-cartorder",
            "POST,   /cart/additional,       kedai-cartorder",
            "GET,    /cart/add/x,            kedai-cartorder",
            "POST,   /order,                 kedai-cartorder",
            "GET,    /order,                 kedai-cartorder",
            "POST,   /order/pay,             kedai-cartorder",
            "GET,    /order/o-1,             kedai-cartorder",
            "POST,   /order/o-1/cancel,      kedai-cartorder",
            "POST,   /auth/register,         kedai-auth",
            "POST,   /auth/login,            kedai-auth",
            "POST,   /auth/refresh,          kedai-auth",
            "POST,   /auth/logout,           kedai-auth",
            "GET,    /auth/jwks,             kedai-auth",
            "GET,    /users/me,              kedai-user",
            "GET,    /users,                 kedai-user",
            "GET,    /products,              kedai-product",
            "GET,    /products/p-1,          kedai-product",
            "POST,   /products,              kedai-product",
            "PATCH,  /products/p-1,          kedai-product",
            "DELETE, /products/p-1,          kedai-product",
            "GET,    /categories,            kedai-product",
    })
    void routeTable(String method, String path, String service) {
        assertThat(ROUTER.route(method, "kedai.example", path)).as(method + " " + path)
                .map(r -> r.backend().service()).hasValue(service);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"GET, /", "GET, /stockx", "GET, /carts", "GET, /orders", "GET, /product", "POST, /categories",
            "GET, /admin", "GET, /userssss"})
    void unknownPathsHaveNoRoute(String method, String path) {
        assertThat(ROUTER.route(method, "kedai.example", path)).isEmpty();
    }

    /** Public: register, login, refresh, JWKS, catalog and stock reads; every other route needs a token. */
    @ParameterizedTest(name = "{0} {1} public={2}")
    @CsvSource({
            "POST,   /auth/register,        true",
            "POST,   /auth/login,           true",
            "POST,   /auth/refresh,         true",
            "GET,    /auth/jwks,            true",
            "POST,   /auth/logout,          false",
            "GET,    /products,             true",
            "GET,    /products/p-1,         true",
            "HEAD,   /products/p-1,         true",
            "GET,    /categories,           true",
            "POST,   /products,             false",
            "PUT,    /products/p-1,         false",
            "PATCH,  /products/p-1,         false",
            "DELETE, /products/p-1,         false",
            "GET,    /stock,                true",
            "GET,    /stock/p-1,            true",
            "POST,   /stock/update,         false",
            "POST,   /cart/add,             false",
            "POST,   /cart/fallback,        false",
            "POST,   /order/process_stock,  false",
            "GET,    /cart,                 false",
            "DELETE, /cart/item-1,          false",
            "POST,   /order,                false",
            "GET,    /order,                false",
            "POST,   /order/pay,            false",
            "GET,    /users/me,             false",
            "GET,    /users,                false",
    })
    void publicAndProtectedRoutes(String method, String path, boolean isPublic) {
        KongRoute route = ROUTER.route(method, "kedai.example", path).orElseThrow();
        boolean hasJwt = route.plugins().stream().map(MANIFESTS.plugins()::get).anyMatch(p -> p.plugin().equals("jwt"));
        assertThat(hasJwt).as(method + " " + path + " via " + route.ingress()).isEqualTo(!isPublic);
    }

    @Test
    void loginAndRegisterHaveTheStrictLimitOnly() {
        for (String path : List.of("/auth/login", "/auth/register")) {
            KongRoute route = ROUTER.route("POST", "kedai.example", path).orElseThrow();
            assertThat(route.plugins()).as(path).contains("kedai-rate-limit-strict").doesNotContain("kedai-rate-limit");
        }
        assertThat(ROUTER.route("POST", "kedai.example", "/auth/refresh").orElseThrow().plugins())
                .contains("kedai-rate-limit");
    }

    /**
     * Kong's precedence pitfall: a route with methods outranks one without, whatever the paths.
     * So no path may be matched both by a route with methods and by one without.
     */
    @Test
    void routesWithMethodsNeverOverlapRoutesWithout() {
        List<KongRoute> withMethods = ROUTER.routes().stream().filter(r -> !r.methods().isEmpty()).toList();
        List<KongRoute> without = ROUTER.routes().stream().filter(r -> r.methods().isEmpty()).toList();
        for (KongRoute a : withMethods) {
            String base = a.regex() ? a.kongPath().substring(1).replace("$", "").replace("\\", "") : a.kongPath();
            for (KongRoute b : without) {
                String other = b.regex() ? b.kongPath().substring(1).replace("$", "").replace("\\", "") : b.kongPath();
                assertThat(base.startsWith(other) || other.startsWith(base))
                        .as(a.ingress() + " " + a.kongPath() + " vs " + b.ingress() + " " + b.kongPath()).isFalse();
            }
        }
    }

    @Test
    void kustomizeRendersTheDirectory() throws Exception {
        Optional<Path> kubectl = Stream.of(System.getenv("PATH").split(java.io.File.pathSeparator))
                .map(d -> Path.of(d, "kubectl")).filter(Files::isExecutable).findFirst();
        assumeTrue(kubectl.isPresent(), "kubectl is not installed (Debian: apt-get install kubernetes-client; .ci/run installs it)");
        Process process = new ProcessBuilder(kubectl.get().toString(), "kustomize", DIR.toString())
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(out).isZero();
        List<String> kinds = new ArrayList<>();
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(out)) {
            docs.forEachRemaining(d -> kinds.add(d.path("kind").asText()));
        }
        assertThat(kinds).contains("Ingress", "KongPlugin", "KongConsumer").doesNotContain("KongClusterPlugin", "Secret");
        assertThat(kinds.stream().filter("Ingress"::equals).count()).isEqualTo(MANIFESTS.ingresses().size());
    }

    /**
     * Service name -> port names, from the rendered chart in k8s/ when it exists, else from the
     * contract table in docs/edge.md (the chart is written against it).
     */
    static Map<String, Set<String>> chartServicePorts() throws IOException {
        Map<String, Set<String>> services = new HashMap<>();
        Path k8s = ROOT.resolve("k8s");
        if (Files.isDirectory(k8s)) {
            try (Stream<Path> files = Files.walk(k8s)) {
                for (Path file : files.filter(f -> f.toString().matches(".*\\.ya?ml")).toList()) {
                    try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(file.toFile())) {
                        while (docs.hasNext()) {
                            JsonNode doc = docs.next();
                            if (doc != null && "Service".equals(doc.path("kind").asText())) {
                                Set<String> ports = new HashSet<>();
                                doc.path("spec").path("ports").forEach(p -> ports.add(p.path("name").asText()));
                                services.put(doc.path("metadata").path("name").asText(), ports);
                            }
                        }
                    }
                }
            }
            if (!services.isEmpty()) {
                return services;
            }
        }
        Matcher row = Pattern.compile("(?m)^\\| `(kedai-[a-z]+)` \\| \\d+ \\| \\d+ \\| \\d+ \\|$")
                .matcher(Files.readString(ROOT.resolve("docs/edge.md")));
        while (row.find()) {
            services.put(row.group(1), Set.of("http", "grpc", "admin"));
        }
        return services;
    }
}
