package dev.kedai.devstack.edge;

import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The plugins that run for one Ingress: the global KongClusterPlugins (Kedai has none: its
 * plugins attach to its own routes), overridden by the Ingress's own KongPlugins of the same type
 * (Kong's precedence: route before global). They run
 * in Kong's plugin priority order: correlation-id, cors, jwt, request-size-limiting,
 * rate-limiting (prometheus only observes; the dev edge's access log stands in for it; opentelemetry is EdgeTrace).
 */
public record RoutePlugins(CorrelationId correlationId,
                           Optional<CorsPlugin> cors,
                           Optional<JwtPlugin> jwt,
                           Optional<RequestSizeLimit> requestSize,
                           Optional<RateLimitPlugin> rateLimit) {

    /**
     * The plugin types the dev edge implements (or, for prometheus, knowingly leaves out; for
     * opentelemetry, does with the launcher's settings instead of the manifest's, in {@link EdgeTrace}).
     */
    public static final Set<String> SUPPORTED = Set.of("correlation-id", "cors", "jwt", "request-size-limiting",
            "rate-limiting", "prometheus", "opentelemetry");

    /** Builds plugins once and shares them between the routes that reference them (rate-limit counters). */
    static final class Factory {
        private final KongManifests manifests;
        private final JwksKeys keys;
        private final Clock clock;
        private final boolean rateLimits;
        private final Map<String, Object> built = new HashMap<>();

        Factory(KongManifests manifests, JwksKeys keys, Clock clock, boolean rateLimits) {
            this.manifests = manifests;
            this.keys = keys;
            this.clock = clock;
            this.rateLimits = rateLimits;
        }

        /** The global plugins alone: what runs for a request no route matched. */
        RoutePlugins global() {
            return forPlugins(List.of(), "(no route)");
        }

        RoutePlugins forRoute(KongRoute route) {
            return forPlugins(route.plugins(), route.ingress());
        }

        private RoutePlugins forPlugins(List<String> routePluginNames, String ingress) {
            Map<String, KongManifests.Plugin> byType = new LinkedHashMap<>();
            manifests.clusterPlugins().values().stream().filter(KongManifests.Plugin::global)
                    .forEach(p -> byType.put(p.plugin(), p));
            for (String name : routePluginNames) {
                KongManifests.Plugin plugin = manifests.plugins().get(name);
                if (plugin == null) {
                    throw new IllegalStateException("Ingress " + ingress + " references KongPlugin " + name
                            + ", which is not in the manifests");
                }
                byType.put(plugin.plugin(), plugin);
            }
            for (KongManifests.Plugin plugin : byType.values()) {
                if (!SUPPORTED.contains(plugin.plugin())) {
                    throw new IllegalStateException("the dev edge does not implement Kong plugin " + plugin.plugin()
                            + " (" + plugin.kind() + " " + plugin.name() + ")");
                }
            }
            return new RoutePlugins(
                    Optional.ofNullable(byType.get("correlation-id"))
                            .map(p -> (CorrelationId) build(p, () -> CorrelationId.from(p.config())))
                            .orElse(CorrelationId.DEFAULT),
                    Optional.ofNullable(byType.get("cors")).map(p -> (CorsPlugin) build(p, () -> new CorsPlugin(p.config()))),
                    Optional.ofNullable(byType.get("jwt")).map(p -> (JwtPlugin) build(p,
                            () -> new JwtPlugin(p.config(), manifests.jwtCredentials(),
                                    manifests.consumers().stream().findFirst().map(KongManifests.Consumer::username),
                                    keys, clock))),
                    Optional.ofNullable(byType.get("request-size-limiting"))
                            .map(p -> (RequestSizeLimit) build(p, () -> RequestSizeLimit.from(p.config()))),
                    Optional.ofNullable(byType.get("rate-limiting")).filter(p -> rateLimits)
                            .map(p -> (RateLimitPlugin) build(p, () -> new RateLimitPlugin(p.name(), p.config(), clock))));
        }

        private Object build(KongManifests.Plugin plugin, java.util.function.Supplier<Object> create) {
            return built.computeIfAbsent(plugin.kind() + "/" + plugin.name(), k -> create.get());
        }
    }
}
