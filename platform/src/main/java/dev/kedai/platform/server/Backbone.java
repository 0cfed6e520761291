package dev.kedai.platform.server;

import java.net.URI;

import dev.kedai.platform.db.Database;
import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.events.OutboxRelay;
import dev.kedai.platform.health.KafkaReadiness;
import dev.kedai.platform.health.RedisReadiness;
import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.security.DenyList;
import dev.kedai.platform.security.JwtVerifier;
import io.helidon.config.Config;
import io.helidon.dbclient.DbClient;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * What every Kedai service holds besides its own logic: its migrated database (and the one
 * transaction helper), the outbox relay, a Redis client with the token deny list, and the Kafka
 * and Redis readiness checks. A service's
 * {@code Main} starts it first and builds its server from it:
 *
 * <pre>{@code
 * Backbone base = Backbone.start(config);
 * StockStore store = new StockStore(base.db());
 * return base.server("stock")
 *         .filter(base.authentication())
 *         .routing(rules -> rules.register("/stock", new StockHttp(store)))
 *         .grpc(new StockGrpc(store))
 *         .build()
 *         .start();
 * }</pre>
 *
 * The server then reports the database, Kafka and Redis in its readiness and closes these parts
 * after everything the service registered itself (so consumers and the relay stop before the
 * database closes).
 */
public final class Backbone implements AutoCloseable {

    private final Config config;
    private final Database database;
    private final Transactions transactions;
    private final RedisClient redis;
    private final DenyList denyList;
    private final KafkaReadiness kafkaReadiness;
    private final RedisReadiness redisReadiness;
    private final OutboxRelay relay;

    private Backbone(Config config, Database database) {
        this.config = config;
        this.database = database;
        this.transactions = Transactions.create(database.client(), config);
        // the clients below connect lazily: only the migration above can fail the start
        this.redis = RedisClient.create(URI.create(config.get("redis.url").asString().get()));
        this.denyList = new DenyList(redis);
        this.kafkaReadiness = KafkaReadiness.create(config);
        this.redisReadiness = RedisReadiness.create(config);
        this.relay = OutboxRelay.create(database.client(), config).start();
    }

    /** Migrates the schema ({@code db.*}), then opens Redis ({@code redis.url}), Kafka and the relay. */
    public static Backbone start(Config config) {
        return new Backbone(config, Database.start(config.get("db")));
    }

    public DbClient db() {
        return database.client();
    }

    /** The one way to run work in a transaction (with the platform's retry of lock conflicts). */
    public Transactions transactions() {
        return transactions;
    }

    public OutboxRelay relay() {
        return relay;
    }

    /** The shared Redis client (pooled); for the service's own counters and caches. */
    public UnifiedJedis redis() {
        return redis;
    }

    public DenyList denyList() {
        return denyList;
    }

    /** The platform's token check: keys from {@code security.jwt.jwks-url}, plus the deny list. */
    public Authentication authentication() {
        return new Authentication(JwtVerifier.create(config), denyList);
    }

    /** A server builder with the backbone's readiness checks and closing already registered. */
    public KedaiServer.Builder server(String name) {
        return KedaiServer.builder(name, config)
                .readiness(database.readiness(), kafkaReadiness, redisReadiness)
                // closed in reverse order, after what the service adds: the relay before the database
                .onStop(database)
                .onStop(redis)
                .onStop(kafkaReadiness)
                .onStop(redisReadiness)
                .onStop(relay);
    }

    /** Closes everything; only for a start that fails before the server exists. */
    @Override
    public void close() {
        relay.close();
        redisReadiness.close();
        kafkaReadiness.close();
        redis.close();
        database.close();
    }
}
