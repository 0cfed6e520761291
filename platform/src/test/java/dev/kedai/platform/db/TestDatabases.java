package dev.kedai.platform.db;

import java.util.HashMap;
import java.util.Map;

import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

/** Test helper: a fresh schema (TestInfra) opened through {@link Database}. */
public final class TestDatabases {
    /** Migrations of the platform tests' own "service" (the effects table). */
    public static final String TEST_MIGRATIONS = "classpath:db/platform-test-migration";

    private TestDatabases() {
    }

    /** The {@code db} config node for an account, with the given service migration location. */
    public static Config dbConfig(DbAccount account, String migrations) {
        Map<String, String> m = new HashMap<>();
        m.put("db.source", "jdbc");
        m.put("db.connection.url", account.url());
        m.put("db.connection.username", account.user());
        m.put("db.connection.password", account.password());
        m.put("db.connection.maximumPoolSize", "8");
        m.put("db.migration.locations.0", migrations);
        return Config.just(ConfigSources.create(m)).get("db");
    }

    /** A started Database on a new schema, with the test migrations. */
    public static Database start(String prefix) {
        return Database.start(dbConfig(TestInfra.newDatabase(prefix), TEST_MIGRATIONS));
    }
}
