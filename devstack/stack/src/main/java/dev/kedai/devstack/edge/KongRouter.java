package dev.kedai.devstack.edge;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The route table of the Ingresses, matched with Kong's precedence (router flavor
 * "traditional_compatible", Kong 3.x): more match fields first (a route with methods outranks
 * one without), then regex paths before plain prefixes (so Exact beats Prefix), then
 * regex-priority, then the longer prefix, then the order of the manifests.
 */
public final class KongRouter {

    private static final Comparator<KongRoute> KONG_PRECEDENCE = Comparator
            .comparingInt(KongRoute::matchWeight).reversed()
            .thenComparing(r -> !r.regex())
            .thenComparing(Comparator.comparingInt(KongRoute::regexPriority).reversed())
            .thenComparing(Comparator.comparingInt(KongRoute::prefixLength).reversed())
            .thenComparingInt(KongRoute::order);

    private final List<KongRoute> routes;
    private final List<Pattern> patterns;

    private KongRouter(List<KongRoute> routes) {
        this.routes = routes.stream().sorted(KONG_PRECEDENCE).toList();
        this.patterns = this.routes.stream()
                .map(r -> r.regex() ? Pattern.compile(r.kongPath().substring(1)) : null).toList();
    }

    /**
     * The routes of every Ingress of class {@code kong}, translated as the Kong Ingress
     * Controller does. Fails on what the dev edge cannot honour faithfully (a path type it does
     * not know, strip-path on, a backend without a Service).
     */
    public static KongRouter of(KongManifests manifests) {
        List<KongRoute> routes = new ArrayList<>();
        int order = 0;
        for (KongManifests.Ingress ingress : manifests.ingresses()) {
            if (!"kong".equals(ingress.ingressClassName().orElse(""))) {
                continue;
            }
            if (ingress.stripPath()) {
                throw new IllegalStateException("Ingress " + ingress.name()
                        + ": Kedai's services expect the full path; set konghq.com/strip-path: \"false\"");
            }
            for (KongManifests.Rule rule : ingress.rules()) {
                for (KongManifests.IngressPath path : rule.paths()) {
                    if (path.serviceName().isBlank()) {
                        throw new IllegalStateException("Ingress " + ingress.name() + " path " + path.path()
                                + " has no backend Service");
                    }
                    Backend backend = new Backend(path.serviceName(), path.portName()
                            .orElseGet(() -> String.valueOf(path.portNumber().orElse(0))));
                    for (String kongPath : kongPaths(ingress.name(), path)) {
                        routes.add(new KongRoute(ingress.name(), kongPath, new LinkedHashSet<>(ingress.methods()),
                                rule.host(), backend, ingress.pluginNames(), ingress.regexPriority(), order++));
                    }
                }
            }
        }
        return new KongRouter(routes);
    }

    /** KIC's translation of an Ingress path into Kong paths. */
    static List<String> kongPaths(String ingress, KongManifests.IngressPath path) {
        String p = path.path();
        if (!p.startsWith("/")) {
            throw new IllegalStateException("Ingress " + ingress + ": path " + p + " must start with /");
        }
        return switch (path.pathType()) {
            case "Exact" -> List.of("~" + regexLiteral(p) + "$");
            case "Prefix" -> {
                String base = p.endsWith("/") ? p.substring(0, p.length() - 1) : p;
                yield base.isEmpty() ? List.of("/") : List.of("~" + regexLiteral(base) + "$", base + "/");
            }
            case "ImplementationSpecific" -> List.of(p);
            default -> throw new IllegalStateException("Ingress " + ingress + ": unknown pathType " + path.pathType());
        };
    }

    /** A path as a regex matching only itself (KIC escapes the regex metacharacters). */
    private static String regexLiteral(String path) {
        StringBuilder b = new StringBuilder();
        for (char c : path.toCharArray()) {
            if ("\\.[]{}()*+?^$|".indexOf(c) >= 0) {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }

    /** The route Kong would pick, if any. */
    public Optional<KongRoute> route(String method, String host, String path) {
        for (int i = 0; i < routes.size(); i++) {
            KongRoute route = routes.get(i);
            if (route.matches(method, host, path, patterns.get(i))) {
                return Optional.of(route);
            }
        }
        return Optional.empty();
    }

    /** Every route, in the order Kong tries them. */
    public List<KongRoute> routes() {
        return routes;
    }
}
