package dev.kedai.user;

import dev.kedai.contracts.Topics;
import dev.kedai.platform.db.Database;
import dev.kedai.platform.events.EventConsumer;
import dev.kedai.platform.events.OutboxRelay;
import dev.kedai.platform.health.KafkaReadiness;
import dev.kedai.platform.health.RedisReadiness;
import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.security.DenyList;
import dev.kedai.platform.security.JwtVerifier;
import dev.kedai.platform.server.KedaiConfig;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.proto.auth.v1.UserRegistered;
import io.helidon.config.Config;

/** The user service: profiles and addresses. */
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
        Database db = Database.start(config.get("db"));
        DenyList denyList = DenyList.create(config);
        KafkaReadiness kafka = KafkaReadiness.create(config);
        RedisReadiness redis = RedisReadiness.create(config);
        OutboxRelay relay = OutboxRelay.create(db.client(), config).start();
        UserStore store = new UserStore(db.client());
        AddressStore addresses = new AddressStore(db.client());
        EventConsumer registrations = EventConsumer.builder(db.client(), config, config.get("user.consumer-group").asString().orElse("user"))
                .topics(Topics.AUTH_USER)
                .handler(UserRegistered.getDefaultInstance(), new ProfileCreation())
                .build()
                .start();
        return KedaiServer.builder("user", config)
                .filter(new Authentication(JwtVerifier.create(config), denyList))
                .routing(rules -> rules.register("/users", new UserHttp(store, addresses)))
                .readiness(db.readiness(), kafka, redis)
                .grpc(new UserGrpc(store, addresses))
                // closed in reverse order: the consumer and the relay stop before the database closes
                .onStop(db)
                .onStop(denyList)
                .onStop(kafka)
                .onStop(redis)
                .onStop(relay)
                .onStop(registrations)
                .build()
                .start();
    }
}
