package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import io.helidon.config.Config;
import io.helidon.config.ConfigSources;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.Test;

/**
 * The launcher moves the admin listener with {@code server.sockets.0.port}: checks that Helidon
 * really applies such an indexed override to the list in a service's application.yaml (a real
 * WebServer on the resulting config, as the services build theirs).
 */
class AdminPortOverrideTest {

    @Test
    void indexedSystemPropertyMovesTheAdminSocketOfTheServiceYaml() {
        Path root = StackConfig.findRepoRoot(Path.of("")).orElseThrow();
        Path yaml = root.resolve("stock/src/main/resources/application.yaml");
        List<Integer> free = Ports.pickFree(2);
        Map<String, String> overrides = Map.of(
                "server.port", String.valueOf(free.get(0)),
                ServiceProperties.ADMIN_SOCKET + ".name", "admin",
                ServiceProperties.ADMIN_SOCKET + ".port", String.valueOf(free.get(1)),
                "server.host", "127.0.0.1",
                ServiceProperties.ADMIN_SOCKET + ".host", "127.0.0.1");
        Config config = Config.builder()
                .disableEnvironmentVariablesSource()
                .disableSystemPropertiesSource()
                .sources(ConfigSources.create(overrides), ConfigSources.file(yaml))
                .build();

        WebServer server = WebServer.builder().config(config.get("server")).build().start();
        try {
            assertThat(server.port()).isEqualTo(free.get(0));
            assertThat(server.port("admin")).isEqualTo(free.get(1));
        } finally {
            server.stop();
        }
    }
}
