package dev.kedai.devstack;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import dev.kedai.infra.FreePorts;

/** Checks that the ports the stack wants are free, before anything is started. */
public final class Ports {

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
     * fixed DESIGN §6 ports), drawn as {@link FreePorts#pick} says.
     */
    public static List<Integer> pickFree(int count) {
        return FreePorts.pick(count);
    }
}
