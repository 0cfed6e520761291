package dev.kedai.devstack.edge;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One Kong route path as the Kong Ingress Controller makes it from an Ingress path: pathType
 * Exact {@code /a/b} becomes the regex {@code ~/a/b$}; Prefix {@code /a} becomes both
 * {@code ~/a$} and the plain prefix {@code /a/} (two KongRoutes here, as Kong ranks regex and
 * plain paths apart).
 *
 * @param ingress   the Ingress it comes from (routes of one Ingress share plugins and counters)
 * @param kongPath  the path as Kong stores it ({@code ~} marks a regex)
 * @param methods   methods it matches; empty = any
 * @param host      the rule's host, if any
 * @param backend   the Service and port
 * @param plugins   KongPlugin names of the Ingress
 * @param regexPriority {@code konghq.com/regex-priority}
 * @param order     position in the manifests, the last tie-breaker
 */
public record KongRoute(String ingress, String kongPath, Set<String> methods, Optional<String> host,
                        Backend backend, List<String> plugins, int regexPriority, int order) {

    public KongRoute {
        methods = Set.copyOf(methods);
        plugins = List.copyOf(plugins);
    }

    public boolean regex() {
        return kongPath.startsWith("~");
    }

    /**
     * Kong's match weight (router "traditional_compatible"): one point per kind of match field
     * used (methods, hosts, paths). A higher weight wins before paths are even compared.
     */
    public int matchWeight() {
        return (methods.isEmpty() ? 0 : 1) + (host.isEmpty() ? 0 : 1) + 1;
    }

    /** For plain paths, their length (the longer prefix wins); 0 for regex paths, as in Kong. */
    public int prefixLength() {
        return regex() ? 0 : kongPath.length();
    }

    /** Whether this route takes the request: method, host and path all match. */
    boolean matches(String method, String requestHost, String path, Pattern compiled) {
        if (!methods.isEmpty() && !methods.contains(method)) {
            return false;
        }
        if (host.isPresent() && !hostMatches(host.get(), requestHost)) {
            return false;
        }
        // Kong anchors regex paths at the start of the path
        return compiled != null ? compiled.matcher(path).lookingAt() : path.startsWith(kongPath);
    }

    private static boolean hostMatches(String wanted, String requestHost) {
        if (requestHost == null) {
            return false;
        }
        String h = requestHost.toLowerCase(java.util.Locale.ROOT);
        int colon = h.lastIndexOf(':');
        if (colon > 0 && h.indexOf(']') < colon) {
            h = h.substring(0, colon);
        }
        String w = wanted.toLowerCase(java.util.Locale.ROOT);
        return w.startsWith("*.") ? h.endsWith(w.substring(1)) : h.equals(w);
    }
}
