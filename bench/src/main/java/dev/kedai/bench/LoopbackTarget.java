package dev.kedai.bench;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Set;

/**
 * The bench only ever loads this machine: a load generator pointed at someone else's host is
 * an attack, so every target and every request URI passes through here first.
 */
public final class LoopbackTarget {

    private static final Set<String> LOOPBACK_HOSTS = Set.of("127.0.0.1", "localhost", "[::1]", "::1");

    private LoopbackTarget() {
    }

    /**
     * Returns {@code uri} if it is an http(s) URI whose host is 127.0.0.1, localhost or ::1.
     *
     * @throws IllegalArgumentException for any other host, or a URI without one
     */
    public static URI require(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException("target must be an http:// URI on loopback, got: " + uri);
        }
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (!LOOPBACK_HOSTS.contains(host)) {
            throw new IllegalArgumentException("refusing non-loopback target " + uri
                    + ": the bench only targets 127.0.0.1, localhost or ::1");
        }
        if (host.equals("localhost") && !resolvesToLoopbackOnly()) {
            throw new IllegalArgumentException("refusing " + uri + ": 'localhost' does not resolve to loopback here");
        }
        return uri;
    }

    // A rewritten /etc/hosts could send "localhost" elsewhere; cheap to rule out once per target.
    private static boolean resolvesToLoopbackOnly() {
        try {
            for (InetAddress address : InetAddress.getAllByName("localhost")) {
                if (!address.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
