package dev.kedai.auth;

import java.util.Arrays;
import java.util.List;

import io.helidon.config.Config;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.ServerRequest;

/**
 * The client IP a login is counted against.
 *
 * <p>By default the TCP peer's address: anything in {@code X-Forwarded-For} is written by the
 * client and could be varied to dodge the counters. Behind the edge (Kong, or the dev edge)
 * every request comes from the edge's address, so set {@code auth.client-ip.trusted-proxy-hops}
 * to the number of proxies in front of auth that append to {@code X-Forwarded-For} (1 for the
 * edge alone): the address is then the entry that many places from the RIGHT, the one the
 * outermost trusted proxy appended from its own peer. Entries further left were sent by the
 * client and are ignored. A request with fewer entries than that falls back to the peer address.
 */
public final class ClientAddress {

    private static final HeaderName FORWARDED_FOR = HeaderNames.X_FORWARDED_FOR;

    private final int trustedHops;

    public ClientAddress(int trustedHops) {
        this.trustedHops = Math.max(0, trustedHops);
    }

    public static ClientAddress create(Config root) {
        return new ClientAddress(root.get("auth.client-ip.trusted-proxy-hops").asInt().orElse(0));
    }

    public String of(ServerRequest req) {
        String peer = req.remotePeer().host();
        if (trustedHops == 0) {
            return peer;
        }
        List<String> hops = req.headers().values(FORWARDED_FOR).stream()
                .flatMap(v -> Arrays.stream(v.split(",")))
                .map(String::trim)
                .filter(s -> !s.isEmpty())
                .toList();
        if (hops.size() < trustedHops) {
            return peer;
        }
        return hops.get(hops.size() - trustedHops);
    }
}
