package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import dev.kedai.infra.InfraSettings;
import org.junit.jupiter.api.Test;

class StackConfigTest {
    private static final Path ROOT = Path.of("/somewhere/kedai");

    @Test
    void defaultsAreTheDesignPorts() {
        StackConfig config = StackConfig.parse(List.of(), ROOT);

        assertThat(config.ports().get(KedaiService.CARTORDER)).isEqualTo(new ServicePorts(8001, 7001, 9001));
        assertThat(config.ports().get(KedaiService.STOCK)).isEqualTo(new ServicePorts(8002, 7002, 9002));
        assertThat(config.ports().get(KedaiService.AUTH)).isEqualTo(new ServicePorts(8003, 7003, 9003));
        assertThat(config.ports().get(KedaiService.USER)).isEqualTo(new ServicePorts(8004, 7004, 9004));
        assertThat(config.ports().get(KedaiService.PRODUCT)).isEqualTo(new ServicePorts(8005, 7005, 9005));
        assertThat(config.edgePort()).isEqualTo(8080);
        assertThat(config.infraPorts()).isEqualTo(new InfraPorts(13306, 16379, 19092, 19093));
        assertThat(config.dataDir()).isEqualTo(ROOT.resolve(".kedai"));
        assertThat(config.pidFile()).isEqualTo(ROOT.resolve(".kedai/devstack.pid"));
        assertThat(config.readyTimeout()).isEqualTo(Duration.ofSeconds(180));
        assertThat(config.infraSettings().external()).isEmpty();
        assertThat(config.tracePort()).isEqualTo(4318);
        assertThat(config.traceRatio()).isEqualTo(1.0);
        assertThat(config.portClaims()).hasSize(1 + 1 + 15 + 4);
    }

    @Test
    void searchOnOpenSearchStartsANodeOnOffsetPortsAndPointsOnlyTheProductServiceAtIt() {
        var passwords = new java.util.EnumMap<KedaiService, String>(KedaiService.class);
        for (KedaiService service : KedaiService.values()) {
            passwords.put(service, "pw");
        }
        StackConfig fulltext = StackConfig.parse(List.of(), ROOT);
        assertThat(fulltext.search().openSearch()).isFalse();
        assertThat(fulltext.stackSpec(passwords).overrides()).doesNotContainKey(KedaiService.PRODUCT);

        StackConfig config = StackConfig.parse(List.of("--search", "opensearch", "--port-offset", "100"), ROOT);
        assertThat(config.search()).isEqualTo(new SearchSettings("opensearch", 9300, 9400));
        assertThat(config.portClaims()).extracting(PortClaim::port).contains(9300, 9400);
        var overrides = config.stackSpec(passwords).overrides();
        assertThat(overrides.get(KedaiService.PRODUCT)).containsEntry("product.search.engine", "opensearch")
                .containsEntry("product.search.opensearch.url", "http://127.0.0.1:9300");
        assertThat(overrides).doesNotContainKeys(KedaiService.STOCK, KedaiService.CARTORDER);

        assertThatThrownBy(() -> StackConfig.parse(List.of("--search", "elastic"), ROOT))
                .isInstanceOf(UsageException.class).hasMessageContaining("--search wants fulltext or opensearch");
    }

    @Test
    void offsetMovesEveryDefaultButAnExplicitPortWins() {
        StackConfig config = StackConfig.parse(List.of("--port-offset", "100", "--stock-http-port=18002",
                "--redis-port", "26379"), ROOT);

        assertThat(config.ports().get(KedaiService.STOCK)).isEqualTo(new ServicePorts(18002, 7102, 9102));
        assertThat(config.ports().get(KedaiService.AUTH)).isEqualTo(new ServicePorts(8103, 7103, 9103));
        assertThat(config.edgePort()).isEqualTo(8180);
        assertThat(config.tracePort()).isEqualTo(4418);
        assertThat(config.infraPorts()).isEqualTo(new InfraPorts(13406, 26379, 19192, 19193));
        InfraSettings settings = config.infraSettings();
        assertThat(settings.redisPort()).isEqualTo(26379);
        assertThat(settings.dataDir()).isEqualTo(ROOT.resolve(".kedai/infra"));
    }

    /** --replicas 2: a second instance of each service a port step up, each checked free, each a peer address. */
    @Test
    void replicasGetTheirOwnPortsAndEveryInstanceIsAPeer() {
        StackConfig config = StackConfig.parse(List.of("--replicas", "2", "--port-offset", "500"), ROOT);

        assertThat(config.instances(KedaiService.STOCK)).containsExactly(new ServicePorts(8502, 7502, 9502),
                new ServicePorts(8602, 7602, 9602));
        assertThat(config.portClaims()).hasSize(1 + 1 + 2 * 15 + 4);
        assertThat(config.portClaims()).anySatisfy(c -> {
            assertThat(c.port()).isEqualTo(9602);
            assertThat(c.owner()).isEqualTo("stock-2 admin");
        });
        StackSpec spec = config.stackSpec(java.util.Map.of(KedaiService.CARTORDER, "a", KedaiService.STOCK, "b",
                KedaiService.AUTH, "c", KedaiService.USER, "d", KedaiService.PRODUCT, "e"));
        assertThat(spec.replicas()).isEqualTo(2);
        var props = ServiceProperties.of(KedaiService.CARTORDER, 1, spec.instances(), new dev.kedai.infra.InfraEndpoints("127.0.0.1", 13306, "root", "",
                        "redis://127.0.0.1:16379", "127.0.0.1:19092"),
                new dev.kedai.infra.DbAccount("jdbc:mysql://127.0.0.1:13306/kedai_cartorder", "u", "p"),
                StackSpec.LOOPBACK);
        assertThat(props.get("server.port")).isEqualTo("8601");
        assertThat(props.get("peers.stock.grpc")).isEqualTo("127.0.0.1:7502,127.0.0.1:7602");
        assertThat(props.get("instance.name")).as("not the host name both instances share").isEqualTo("cartorder-2");

        assertThatThrownBy(() -> StackConfig.parse(List.of("--replicas", "0"), ROOT))
                .isInstanceOf(UsageException.class).hasMessageContaining("--replicas");
    }

    @Test
    void externalServersAreNotStartedNorTheirPortsChecked() {
        StackConfig config = StackConfig.parse(List.of("--db-url", "jdbc:mysql://db.local:3307/", "--db-admin-user", "root",
                "--db-admin-password", "pw", "--redis-url", "redis://cache:6380", "--kafka-bootstrap", "k1:9092,k2:9092"), ROOT);

        InfraSettings settings = config.infraSettings();
        assertThat(settings.externalDb()).isTrue();
        assertThat(settings.externalRedis()).isTrue();
        assertThat(settings.externalKafka()).isTrue();
        var external = settings.external().orElseThrow();
        assertThat(external.dbHost()).isEqualTo("db.local");
        assertThat(external.dbPort()).isEqualTo(3307);
        assertThat(external.dbAdminUser()).isEqualTo("root");
        assertThat(external.redisUrl()).isEqualTo("redis://cache:6380");
        assertThat(external.kafkaBootstrap()).isEqualTo("k1:9092,k2:9092");
        assertThat(config.portClaims()).extracting(PortClaim::owner).noneMatch(owner -> owner.startsWith("embedded"));
    }

    @Test
    void onlyTheGivenPartIsExternal() {
        InfraSettings settings = StackConfig.parse(List.of("--redis-url", "redis://127.0.0.1:6379"), ROOT).infraSettings();

        assertThat(settings.externalRedis()).isTrue();
        assertThat(settings.externalDb()).isFalse();
        assertThat(settings.externalKafka()).isFalse();
    }

    @Test
    void badArgumentsAreUsageErrors() {
        assertThatThrownBy(() -> StackConfig.parse(List.of("--stok-http-port", "1"), ROOT))
                .isInstanceOf(UsageException.class).hasMessage("unknown option --stok-http-port");
        assertThatThrownBy(() -> StackConfig.parse(List.of("--edge-port", "x"), ROOT))
                .isInstanceOf(UsageException.class).hasMessage("--edge-port wants a number, not x");
        assertThatThrownBy(() -> StackConfig.parse(List.of("--edge-port"), ROOT))
                .isInstanceOf(UsageException.class).hasMessage("--edge-port needs a value");
        assertThatThrownBy(() -> StackConfig.parse(List.of("--db-url", "jdbc:mysql://h:1"), ROOT))
                .isInstanceOf(UsageException.class).hasMessageContaining("--db-admin-user");
        assertThatThrownBy(() -> StackConfig.parse(List.of("--redis-url", "localhost:6379"), ROOT))
                .isInstanceOf(UsageException.class).hasMessageContaining("redis://host:port");
        assertThatThrownBy(() -> StackConfig.parse(List.of("--kafka-bootstrap", "nohostport"), ROOT))
                .isInstanceOf(UsageException.class).hasMessageContaining("host:port");
    }

    @Test
    void traceSamplingIsARatioOrOff() {
        StackConfig tenth = StackConfig.parse(List.of("--trace-sampling", "0.1", "--trace-port", "14318"), ROOT);
        assertThat(tenth.traceRatio()).isEqualTo(0.1);
        assertThat(tenth.portClaims()).extracting(PortClaim::port).contains(14318);

        StackConfig off = StackConfig.parse(List.of("--trace-sampling", "off"), ROOT);
        assertThat(off.tracePort()).isEqualTo(-1);
        assertThat(off.portClaims()).extracting(PortClaim::owner).doesNotContain("trace receiver");

        assertThatThrownBy(() -> StackConfig.parse(List.of("--trace-sampling", "2"), ROOT))
                .isInstanceOf(UsageException.class).hasMessageContaining("--trace-sampling");
        assertThatThrownBy(() -> StackConfig.parse(List.of("--trace-sampling", "most"), ROOT))
                .isInstanceOf(UsageException.class).hasMessageContaining("--trace-sampling");
    }

    @Test
    void infraOnlyClaimsOnlyInfraPorts() {
        StackConfig config = StackConfig.parse(List.of("--infra-only"), ROOT);

        assertThat(config.infraOnly()).isTrue();
        assertThat(config.portClaims()).extracting(PortClaim::port).containsExactly(13306, 16379, 19092, 19093);
    }

    @Test
    void servicePropertiesCarryEveryConfigKey() {
        var ports = StackConfig.parse(List.of(), ROOT).ports();
        var infra = new dev.kedai.infra.InfraEndpoints("127.0.0.1", 13306, "admin", "pw",
                "redis://127.0.0.1:16379", "127.0.0.1:19092");
        var db = new dev.kedai.infra.DbAccount("jdbc:mysql://127.0.0.1:13306/kedai_stock", "stock", "secret");

        var props = ServiceProperties.of(KedaiService.STOCK, ports, infra, db, StackSpec.LOOPBACK);

        assertThat(props).containsEntry("server.host", "127.0.0.1")
                .containsEntry("server.sockets.0.host", "127.0.0.1")
                .containsEntry("grpc.host", "127.0.0.1")
                .containsEntry("server.port", "8002")
                .containsEntry("server.sockets.0.name", "admin")
                .containsEntry("server.sockets.0.port", "9002")
                .containsEntry("grpc.port", "7002")
                .containsEntry("db.connection.url", "jdbc:mysql://127.0.0.1:13306/kedai_stock")
                .containsEntry("db.connection.username", "stock")
                .containsEntry("db.connection.password", "secret")
                .containsEntry("kafka.bootstrap-servers", "127.0.0.1:19092")
                .containsEntry("redis.url", "redis://127.0.0.1:16379")
                .containsEntry("security.jwt.jwks-url", "http://127.0.0.1:8003/auth/jwks")
                .containsEntry("peers.cartorder.grpc", "127.0.0.1:7001")
                .containsEntry("peers.product.grpc", "127.0.0.1:7005")
                .doesNotContainKey("peers.stock.grpc");
    }

    @Test
    void everyPortListensOnLoopbackUnlessToldOtherwise() {
        var passwords = new java.util.EnumMap<KedaiService, String>(KedaiService.class);
        for (KedaiService service : KedaiService.values()) {
            passwords.put(service, "pw");
        }
        assertThat(StackConfig.parse(List.of(), ROOT).bindHost()).isEqualTo("127.0.0.1");
        assertThat(StackConfig.parse(List.of("--bind-host", "0.0.0.0"), ROOT).bindHost()).isEqualTo("0.0.0.0");
        assertThat(StackConfig.parse(List.of(), ROOT).stackSpec(passwords).bindHost()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> StackConfig.parse(List.of("--bind-host", "example.com"), ROOT))
                .isInstanceOf(UsageException.class).hasMessageContaining("--bind-host");
    }
}
