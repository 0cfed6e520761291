package dev.kedai.platform.server;

import java.util.HashMap;
import java.util.Map;

import dev.kedai.platform.testing.TestIdentities;
import io.helidon.config.Config;
import io.helidon.config.ConfigSources;

/** The configuration of a bare {@link KedaiServer} in a test: free loopback ports, stock's gRPC identity, then {@code extra}. */
final class LoopbackServerConfig {

    private LoopbackServerConfig() {
    }

    static Config with(Map<String, String> extra) {
        Map<String, String> settings = new HashMap<>(TestIdentities.config("stock"));
        settings.putAll(Map.of(
                "server.host", "127.0.0.1",
                "server.port", "0",
                "server.sockets.0.name", "admin",
                "server.sockets.0.host", "127.0.0.1",
                "server.sockets.0.port", "0"));
        settings.putAll(extra);
        return Config.just(ConfigSources.create(settings));
    }
}
