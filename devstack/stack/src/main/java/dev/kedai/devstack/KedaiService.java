package dev.kedai.devstack;

import java.nio.file.Path;

/**
 * The five services, in the order of DESIGN §6: the order fixes the default ports
 * (HTTP 8001.., gRPC 7001.., admin 9001..) and the start order.
 */
public enum KedaiService {
    CARTORDER,
    STOCK,
    AUTH,
    USER,
    PRODUCT;

    /** Lower-case name: module directory, database name suffix, config key part. */
    public String id() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** DESIGN §6 ports: cartorder = 1, stock = 2, ... added to 8000 / 7000 / 9000. */
    public ServicePorts defaultPorts() {
        int n = ordinal() + 1;
        return new ServicePorts(8000 + n, 7000 + n, 9000 + n);
    }

    /** The runnable jar built by the service's module: {@code <root>/<svc>/target/kedai-<svc>.jar}. */
    public Path jar(Path repoRoot) {
        return repoRoot.resolve(id()).resolve("target").resolve("kedai-" + id() + ".jar");
    }
}
