package dev.kedai.devstack;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

import dev.kedai.infra.InfraEndpoints;

/** The addresses printed once the stack is up. */
public final class UrlTable {

    private UrlTable() {
    }

    public static String render(StackConfig config, InfraEndpoints infra, Duration startTime) {
        StringBuilder t = new StringBuilder();
        String what = config.infraOnly() ? "Kedai infrastructure" : "Kedai";
        t.append(String.format(Locale.ROOT, "%n%s is up in %.1f s%n%n", what, startTime.toMillis() / 1000.0));
        if (!config.infraOnly()) {
            t.append(String.format(Locale.ROOT, "  %-10s %-24s %s%n", "edge", "http://127.0.0.1:" + config.edgePort(),
                    "routes from " + config.repoRoot().resolve("kong-ingress") + (config.edgeRateLimits() ? ""
                            : ", rate limits OFF")));
            t.append(String.format(Locale.ROOT, "  %-10s %s%n", "", "access log " + config.logDir().resolve(Stack.EDGE_ACCESS_LOG)));
            t.append(String.format(Locale.ROOT, "  %-10s %s  %s%n", "API docs", "http://127.0.0.1:" + config.edgePort()
                    + "/docs", "(Swagger UI of the five services; \"try it out\" goes through the edge)"));
            t.append(String.format(Locale.ROOT, "%n  %-10s %-24s %-16s %s%n", "service", "HTTP", "gRPC", "admin (health, metrics)"));
            for (KedaiService service : KedaiService.values()) {
                List<ServicePorts> instances = config.instances(service);
                for (int i = 0; i < instances.size(); i++) {
                    ServicePorts p = instances.get(i);
                    t.append(String.format(Locale.ROOT, "  %-10s %-24s %-16s %s%n",
                            i == 0 ? service.id() : service.id() + "-" + (i + 1),
                            "http://127.0.0.1:" + p.http(), "127.0.0.1:" + p.grpc(),
                            "http://127.0.0.1:" + p.admin() + "/observe/health"));
                }
            }
            t.append('\n');
        }
        t.append(String.format(Locale.ROOT, "  %-10s %s%s%n", "MariaDB", infra.jdbcUrl(""),
                config.external().dbUrl().isPresent() ? "  (external)" : "  (admin user " + infra.dbAdminUser() + ")"));
        t.append(String.format(Locale.ROOT, "  %-10s %s%s%n", "Redis", infra.redisUrl(),
                config.external().redisUrl().isPresent() ? "  (external)" : ""));
        t.append(String.format(Locale.ROOT, "  %-10s %s%s%n", "Kafka", infra.kafkaBootstrap(),
                config.external().kafkaBootstrap().isPresent() ? "  (external)" : ""));
        if (config.search().openSearch()) {
            t.append(String.format(Locale.ROOT, "  %-10s %s  (product searches here; ./kedai search reindex rebuilds it)%n",
                    "OpenSearch", config.search().url()));
        }
        if (!config.infraOnly()) {
            t.append(String.format(Locale.ROOT, "  %-10s %s%n", "logs", config.logDir()));
            t.append(String.format(Locale.ROOT, "  %-10s %s%n", "db users", "<service> / passwords in " + config.passwordsFile()));
            DevAuth auth = DevAuth.loadOrCreate(config.dataDir());
            t.append(String.format(Locale.ROOT, "  %-10s %s / %s  (POST /auth/login; kept in %s)%n", "admin",
                    auth.adminEmail(), auth.adminPassword(), config.dataDir().resolve("dev-auth")));
        }
        t.append(String.format(Locale.ROOT, "%n  Ctrl-C here, or ./kedai down, stops everything.%n"));
        return t.toString();
    }
}
