package dev.kedai.product;

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
import io.helidon.config.Config;

/** The product service: the catalog and its categories. */
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
        ProductStore store = new ProductStore(db.client());
        ProductCache cache = ProductCache.create(config);
        Catalog catalog = new Catalog(db.client(), store, cache, relay);
        EventConsumer cacheRefresh = CacheRefresh.start(db.client(), config, catalog);
        return KedaiServer.builder("product", config)
                .filter(new Authentication(JwtVerifier.create(config), denyList))
                .routing(rules -> rules.register("/products", new ProductHttp(store, catalog))
                        .register("/categories", new CategoryHttp(store)))
                .readiness(db.readiness(), kafka, redis)
                .grpc(new ProductGrpc(store))
                // closed in reverse order: the relay stops before the database closes
                .onStop(db)
                .onStop(denyList)
                .onStop(kafka)
                .onStop(redis)
                .onStop(cache)
                .onStop(relay)
                .onStop(cacheRefresh)
                .build()
                .start();
    }
}
