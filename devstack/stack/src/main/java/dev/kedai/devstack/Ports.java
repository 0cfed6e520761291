package dev.kedai.devstack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** Checks that the ports the stack wants are free, before anything is started. */
public final class Ports {

    private static final int PICK_FROM = 20000;
    private static final int PICK_BELOW = 32768;

    private Ports() {
    }

    /**
     * Fails with one clear line for the first port that is out of range, wanted twice, or
     * already taken by another process (exit code 2).
     */
    public static void requireFree(List<PortClaim> claims) {
        Map<Integer, PortClaim> seen = new HashMap<>();
        for (PortClaim claim : claims) {
            if (claim.port() < 1 || claim.port() > 65535) {
                throw new StackException("port " + claim.port() + " (" + claim.owner() + ") is not a valid port;"
                        + " choose another with " + claim.flag(), 2);
            }
            PortClaim other = seen.putIfAbsent(claim.port(), claim);
            if (other != null) {
                throw new StackException("port " + claim.port() + " is wanted by both " + other.owner()
                        + " and " + claim.owner() + "; change one with " + other.flag() + " or " + claim.flag(), 2);
            }
        }
        for (PortClaim claim : claims) {
            if (!isFree(claim.port())) {
                throw new StackException("port " + claim.port() + " (" + claim.owner() + ") is already in use;"
                        + " stop what holds it or choose another with " + claim.flag() + " or --port-offset N", 2);
            }
        }
    }

    /**
     * Whether nothing listens on the port. Binds the wildcard address as the services do,
     * so a listener on 127.0.0.1 or on any address counts as taken.
     */
    public static boolean isFree(int port) {
        try (ServerSocket socket = new ServerSocket()) {
            socket.bind(new InetSocketAddress(port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /**
     * {@code count} distinct ports that are free now (the system tests use them instead of the
     * fixed DESIGN §6 ports). They are drawn at random below Linux's ephemeral range
     * (32768–60999): a port the OS handed out and took back is the next one it gives an outgoing
     * connection (Kafka and JDBC clients make many), which then held it before the service bound
     * it. All sockets are held open together so no port repeats.
     */
    public static List<Integer> pickFree(int count) {
        List<ServerSocket> held = new ArrayList<>();
        try {
            List<Integer> ports = new ArrayList<>();
            for (int tries = 0; ports.size() < count && tries < 1000; tries++) {
                int port = ThreadLocalRandom.current().nextInt(PICK_FROM, PICK_BELOW);
                ServerSocket socket = new ServerSocket();
                try {
                    socket.bind(new InetSocketAddress(port));
                } catch (IOException taken) {
                    socket.close();
                    continue;
                }
                held.add(socket);
                ports.add(port);
            }
            if (ports.size() < count) {
                throw new IllegalStateException("cannot find " + count + " free ports in "
                        + PICK_FROM + "-" + (PICK_BELOW - 1));
            }
            return ports;
        } catch (IOException e) {
            throw new IllegalStateException("cannot find free ports", e);
        } finally {
            for (ServerSocket socket : held) {
                try {
                    socket.close();
                } catch (IOException ignored) {
                    // only probing
                }
            }
        }
    }
}
