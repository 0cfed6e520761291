package dev.kedai.auth;

import java.time.Clock;
import java.time.Duration;
import java.net.URI;

import dev.kedai.platform.db.Database;
import dev.kedai.platform.events.Outbox;
import dev.kedai.platform.events.OutboxRelay;
import dev.kedai.platform.health.KafkaReadiness;
import dev.kedai.platform.health.RedisReadiness;
import dev.kedai.platform.security.DenyList;
import dev.kedai.platform.server.KedaiConfig;
import dev.kedai.platform.server.KedaiServer;
import io.helidon.config.Config;
import redis.clients.jedis.RedisClient;

/** The auth service: credentials, roles, sessions and the keys that sign access tokens. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        start(KedaiConfig.load());
    }

    /**
     * Migrates the schema, bootstraps the admin account, then starts HTTP, admin and gRPC as
     * configured; tests call this too. A server that fails to start closes every {@code onStop}
     * resource itself.
     */
    public static KedaiServer start(Config config) {
        // a bad key or Argon2 setting fails the start before anything is opened
        SigningKeys keys = SigningKeys.create(config);
        PasswordHasher hasher = PasswordHasher.create(config);
        AccessTokens tokens = AccessTokens.create(keys, config);
        ClientAddress clientAddress = ClientAddress.create(config);
        Database db = Database.start(config.get("db"));
        RedisClient redisClient = RedisClient.create(URI.create(config.get("redis.url").asString().get()));
        DenyList denyList = new DenyList(redisClient);
        KafkaReadiness kafka = KafkaReadiness.create(config);
        RedisReadiness redis = RedisReadiness.create(config);
        OutboxRelay relay = OutboxRelay.create(db.client(), config).start();
        AuthStore store = new AuthStore(db.client(), new Outbox("kedai-auth"),
                config.get("auth.refresh-token-ttl").as(Duration.class).orElse(Duration.ofDays(14)), Clock.systemUTC());
        Accounts accounts = new Accounts(store, hasher, tokens, LoginThrottle.create(redisClient, config), denyList);
        OwnTokenAuthentication authentication = new OwnTokenAuthentication(tokens, denyList);
        SessionPurge purge = SessionPurge.create(db.client(), config);
        try {
            AdminBootstrap.run(config, accounts, store);
        } catch (RuntimeException e) {
            relay.close();
            redisClient.close();
            db.close();
            throw e;
        }
        KedaiServer server = KedaiServer.builder("auth", config)
                .filter(authentication)
                .routing(rules -> rules.register("/auth", new AuthHttp(keys, accounts, clientAddress)))
                .readiness(db.readiness(), kafka, redis)
                .grpc(new AuthGrpc(authentication))
                // closed in reverse order: the relay stops before the database closes
                .onStop(db)
                .onStop(redisClient)
                .onStop(kafka)
                .onStop(redis)
                .onStop(relay)
                .onStop(purge)
                .build()
                .start();
        // only after a successful start: a failed one leaves nothing scheduled
        purge.start();
        return server;
    }
}
