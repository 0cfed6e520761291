package dev.kedai.platform.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

import io.helidon.common.config.Config;

/**
 * The name of this instance of a service, which stays the same when the process restarts in its
 * place: config {@code instance.name} (the devstack gives each instance its own), else the
 * environment's {@code HOSTNAME} (a Kubernetes pod's name, kept across container restarts).
 * Without either, the host name plus a random suffix: two processes on one host must never share
 * a name (each would take the other's leases for its own), so such a process is a new instance at
 * every start, and what an earlier one held is freed only when its leases run out.
 */
public final class InstanceName {

    private InstanceName() {
    }

    public static String of(Config root) {
        return stable(root).orElseGet(() -> hostName() + "-" + suffix());
    }

    /** The name when it survives a restart ({@code instance.name}, else {@code HOSTNAME}); empty when a start would make one up. */
    public static java.util.Optional<String> stable(Config root) {
        return root.get("instance.name").asString().filter(name -> !name.isBlank())
                .or(() -> java.util.Optional.ofNullable(System.getenv("HOSTNAME")).filter(env -> !env.isBlank()));
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }

    private static String suffix() {
        return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(2);
    }
}
