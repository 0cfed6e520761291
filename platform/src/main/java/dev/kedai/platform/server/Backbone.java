package dev.kedai.platform.server;

import java.time.Duration;

import dev.kedai.platform.db.Database;
import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.events.EventHistoryPurge;
import dev.kedai.platform.events.OutboxRelay;
import dev.kedai.platform.health.KafkaHealth;
import dev.kedai.platform.health.LoopLiveness;
import dev.kedai.platform.health.RedisHealth;
import dev.kedai.platform.health.SupervisedLoop;
import dev.kedai.platform.redis.RedisCopies;
import dev.kedai.platform.redis.RedisPool;
import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.security.DenyList;
import dev.kedai.platform.security.JwtVerifier;
import io.helidon.config.Config;
import io.helidon.dbclient.DbClient;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;

/**
 * What every Kedai service holds besides its own logic: its migrated database with two pools
 * ({@link #db()} for requests, {@link #backgroundDb()} for loops, each with its transaction helper;
 * see {@link Database}), the outbox relay and the purge of the event history, a Redis client
 * ({@link RedisPool}) with the token deny list, and the probes of Kafka and Redis. A service's
 * {@code Main} starts it first and builds its server from it:
 *
 * <pre>{@code
 * Backbone base = Backbone.start(config);
 * StockStore store = new StockStore(base.db());
 * return base.server("stock")
 *         .filter(base.authentication())
 *         .routing(rules -> rules.register("/stock", new StockHttp(store)))
 *         .grpc(StockGrpc.CALLERS, new StockGrpc(store))
 *         .build()
 *         .start();
 * }</pre>
 *
 * The server's readiness is the database only (a pod that can reach its database can serve:
 * events wait in the outbox while Kafka is away, reads skip the cache while Redis is); Kafka and
 * Redis show in the health details and {@code kedai_dependency_up} ({@link KafkaHealth},
 * {@link RedisHealth}, probed every {@code health.dependency-probe-interval}, default PT5S).
 * Liveness watches the background loops ({@link LoopLiveness}). The parts are closed after
 * everything the service registered itself (so consumers and the relay stop before the database
 * closes).
 */
public final class Backbone implements AutoCloseable {

    private final Config config;
    private final Database database;
    private final Transactions transactions;
    private final Transactions backgroundTransactions;
    private final RedisClient redis;
    private final RedisCopies copies;
    private final DenyList denyList;
    private final KafkaHealth kafkaHealth;
    private final RedisHealth redisHealth;
    private final SupervisedLoop probes;
    private final OutboxRelay relay;
    private final EventHistoryPurge purge;

    private Backbone(Config config, Database database) {
        this.config = config;
        this.database = database;
        this.transactions = Transactions.create(database.client(), config);
        this.backgroundTransactions = Transactions.create(database.background(), config);
        // the clients below connect lazily: only the migration above can fail the start
        this.redis = RedisPool.create(config);
        this.copies = RedisCopies.create(config, redis);
        this.denyList = new DenyList(redis);
        this.kafkaHealth = KafkaHealth.create(config);
        this.redisHealth = RedisHealth.create(config);
        String service = config.get("service.name").asString().orElse("unnamed");
        this.probes = SupervisedLoop.builder("dependency-probes-" + service, () -> {
            kafkaHealth.probe();
            redisHealth.probe();
            return config.get("health.dependency-probe-interval").as(Duration.class).orElse(Duration.ofSeconds(5));
        }).build().start();
        this.relay = OutboxRelay.create(database.background(), config).start();
        this.purge = EventHistoryPurge.create(database.background(), config).start();
    }

    /** Migrates the schema ({@code db.*}), then opens Redis ({@code redis.url}), Kafka and the relay. */
    public static Backbone start(Config config) {
        return new Backbone(config, Database.start(config.get("db")));
    }

    /** The request pool: for HTTP and gRPC handlers only. */
    public DbClient db() {
        return database.client();
    }

    /** The one way to run work in a transaction (with the platform's retry of lock conflicts), on the request pool. */
    public Transactions transactions() {
        return transactions;
    }

    /**
     * The background pool: for event consumers, sweepers, purges and reconcilers, so that no
     * request burst can hold every connection they need.
     */
    public DbClient backgroundDb() {
        return database.background();
    }

    /** {@link #transactions()} on the background pool. */
    public Transactions backgroundTransactions() {
        return backgroundTransactions;
    }

    public OutboxRelay relay() {
        return relay;
    }

    /** The shared Redis client (pooled); for the service's own counters and caches. */
    public UnifiedJedis redis() {
        return redis;
    }

    /** The shared Redis client with this replica's copies of the keys its caches {@link RedisCopies#track track}. */
    public RedisCopies copies() {
        return copies;
    }

    public DenyList denyList() {
        return denyList;
    }

    /** The platform's token check: keys from {@code security.jwt.jwks-url}, plus the deny list. */
    public Authentication authentication() {
        return new Authentication(JwtVerifier.create(config), denyList);
    }

    /** A server builder with the backbone's health checks and closing already registered. */
    public KedaiServer.Builder server(String name) {
        return KedaiServer.builder(name, config)
                // Kafka and Redis report as UP with their state in the details: see the class comment
                .readiness(database.readiness(), kafkaHealth, redisHealth)
                .liveness(LoopLiveness.check())
                // closed in reverse order, after what the service adds: the relay before the database
                .onStop(database)
                .onStop(redis)
                .onStop(copies)
                .onStop(kafkaHealth)
                .onStop(redisHealth)
                .onStop(probes)
                .onStop(purge)
                .onStop(relay);
    }

    /** Closes everything; only for a start that fails before the server exists. */
    @Override
    public void close() {
        relay.close();
        purge.close();
        probes.close();
        redisHealth.close();
        kafkaHealth.close();
        copies.close();
        redis.close();
        database.close();
    }
}
