package dev.kedai.auth;

import dev.kedai.platform.db.Database;
import dev.kedai.platform.events.OutboxRelay;
import dev.kedai.platform.health.KafkaReadiness;
import dev.kedai.platform.health.RedisReadiness;
import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.security.DenyList;
import dev.kedai.platform.security.JwtVerifier;
import dev.kedai.platform.server.KedaiConfig;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.proto.auth.v1.AuthServiceGrpc;
import io.helidon.config.Config;

/** The auth service: credentials, roles, sessions and the keys that sign access tokens. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        start(KedaiConfig.load());
    }

    /**
     * Migrates the schema, then starts HTTP, admin and gRPC as configured; tests call this too.
     * The clients made here connect lazily, so only the migration can fail before the server
     * exists, and a server that fails to start closes every {@code onStop} resource itself.
     */
    public static KedaiServer start(Config config) {
        // a bad key fails the start before anything is opened
        SigningKeys keys = SigningKeys.create(config);
        Database db = Database.start(config.get("db"));
        DenyList denyList = DenyList.create(config);
        KafkaReadiness kafka = KafkaReadiness.create(config);
        RedisReadiness redis = RedisReadiness.create(config);
        OutboxRelay relay = OutboxRelay.create(db.client(), config).start();
        return KedaiServer.builder("auth", config)
                .filter(new Authentication(JwtVerifier.create(config), denyList))
                .routing(rules -> rules.register("/auth", new AuthHttp(keys)))
                .readiness(db.readiness(), kafka, redis)
                // Introspect comes with token issuing (issue 3); until then grpc-java answers UNIMPLEMENTED
                .grpc(new AuthServiceGrpc.AuthServiceImplBase() { })
                // closed in reverse order: the relay stops before the database closes
                .onStop(db)
                .onStop(denyList)
                .onStop(kafka)
                .onStop(redis)
                .onStop(relay)
                .build()
                .start();
    }
}
