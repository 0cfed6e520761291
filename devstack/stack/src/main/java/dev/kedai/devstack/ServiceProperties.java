package dev.kedai.devstack;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SequencedMap;

import dev.kedai.infra.DbAccount;
import dev.kedai.infra.InfraEndpoints;

/**
 * The configuration of one service as system properties, using the keys every service's
 * application.yaml declares (team brief, "Service configuration keys").
 */
public final class ServiceProperties {
    /**
     * The admin listener is the first (only) entry of the {@code server.sockets} list in each
     * application.yaml; Helidon Config addresses list elements by index from system properties.
     */
    static final String ADMIN_SOCKET = "server.sockets.0";

    private ServiceProperties() {
    }

    public static SequencedMap<String, String> of(KedaiService service,
                                                  Map<KedaiService, ServicePorts> ports,
                                                  InfraEndpoints infra,
                                                  DbAccount db,
                                                  String bindHost) {
        ServicePorts own = ports.get(service);
        SequencedMap<String, String> props = new LinkedHashMap<>();
        // application.yaml listens on every interface (a pod must); here only bindHost
        props.put("server.host", bindHost);
        props.put("server.port", String.valueOf(own.http()));
        props.put(ADMIN_SOCKET + ".name", "admin");
        props.put(ADMIN_SOCKET + ".host", bindHost);
        props.put(ADMIN_SOCKET + ".port", String.valueOf(own.admin()));
        props.put("grpc.host", bindHost);
        props.put("grpc.port", String.valueOf(own.grpc()));
        props.put("db.source", "jdbc");
        props.put("db.connection.url", db.url());
        props.put("db.connection.username", db.user());
        props.put("db.connection.password", db.password());
        props.put("kafka.bootstrap-servers", infra.kafkaBootstrap());
        props.put("redis.url", infra.redisUrl());
        props.put("security.jwt.jwks-url", "http://127.0.0.1:" + ports.get(KedaiService.AUTH).http() + "/auth/jwks");
        if (service == KedaiService.AUTH) {
            // behind the dev edge, which appends the client's address to X-Forwarded-For: the
            // login throttle must count the client, not the edge (direct calls fall back to the peer)
            props.put("auth.client-ip.trusted-proxy-hops", "1");
        }
        for (KedaiService peer : KedaiService.values()) {
            if (peer != service) {
                props.put("peers." + peer.id() + ".grpc", "127.0.0.1:" + ports.get(peer).grpc());
            }
        }
        return props;
    }
}
