package dev.kedai.platform.server;

import java.util.logging.Level;

import dev.kedai.platform.observe.JsonLogging;
import io.helidon.config.Config;

/**
 * Loads a service's configuration the way every Kedai service does: system properties
 * ({@code -Dserver.port=8002}) over environment variables ({@code SERVER_PORT=8002}) over
 * {@code application.yaml} on the classpath (Helidon's default sources), made the global
 * config; and switches logging to JSON lines on stdout.
 */
public final class KedaiConfig {

    private KedaiConfig() {
    }

    /** Loads the config and sets up JSON logging ({@code log.level} for {@code dev.kedai.*}, default INFO). */
    public static Config load() {
        Config config = Config.create();
        Config.global(config);
        JsonLogging.install(Level.parse(config.get("log.level").asString().orElse("INFO")));
        return config;
    }
}
