package dev.kedai.devstack;

import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SequencedMap;
import java.util.stream.Collectors;

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

    /** One instance of each service. */
    public static SequencedMap<String, String> of(KedaiService service,
                                                  Map<KedaiService, ServicePorts> ports,
                                                  InfraEndpoints infra,
                                                  DbAccount db,
                                                  String bindHost) {
        Map<KedaiService, List<ServicePorts>> instances = new EnumMap<>(KedaiService.class);
        ports.forEach((s, p) -> instances.put(s, List.of(p)));
        return of(service, 0, instances, infra, db, bindHost);
    }

    /**
     * Instance {@code instance} (0 = the first) of {@code service}, among {@code instances} of every
     * service: a peer's address ({@code peers.<svc>.grpc}) lists each of its instances, which the
     * gRPC client balances over (platform's {@code GrpcChannels}).
     */
    public static SequencedMap<String, String> of(KedaiService service,
                                                  int instance,
                                                  Map<KedaiService, List<ServicePorts>> instances,
                                                  InfraEndpoints infra,
                                                  DbAccount db,
                                                  String bindHost) {
        ServicePorts own = instances.get(service).get(instance);
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
        // every instance here shares the host name: each needs a name of its own (its relay's id and
        // what its leases are held by), kept when it restarts so the restarted one frees what it held
        props.put("instance.name", instance == 0 ? service.id() : service.id() + "-" + (instance + 1));
        // every auth instance, tried in turn: a service that first needs the keys after one is killed gets them
        props.put("security.jwt.jwks-url", instances.get(KedaiService.AUTH).stream()
                .map(p -> "http://127.0.0.1:" + p.http() + "/auth/jwks").collect(Collectors.joining(",")));
        if (service == KedaiService.AUTH) {
            // behind the dev edge, which appends the client's address to X-Forwarded-For: the
            // login throttle must count the client, not the edge (direct calls fall back to the peer)
            props.put("auth.client-ip.trusted-proxy-hops", "1");
        }
        for (KedaiService peer : KedaiService.values()) {
            if (peer != service) {
                props.put("peers." + peer.id() + ".grpc", instances.get(peer).stream()
                        .map(p -> "127.0.0.1:" + p.grpc()).collect(Collectors.joining(",")));
            }
        }
        return props;
    }
}
