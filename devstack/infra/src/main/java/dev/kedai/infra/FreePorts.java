package dev.kedai.infra;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports that are free now, for servers and tests that were given none. They are drawn at random
 * below Linux's ephemeral range (32768–60999) rather than asked of the OS with port 0: a port the
 * OS handed out and took back is the next one it gives an outgoing connection (Kafka and JDBC
 * clients make many), which then holds it before the server binds it.
 */
public final class FreePorts {

    private static final int PICK_FROM = 20000;
    private static final int PICK_BELOW = 32768;

    private FreePorts() {
    }

    /** One port nobody listens on now, on any address. */
    public static int one() {
        return pick(1).getFirst();
    }

    /** {@code count} distinct free ports: all are held open together while drawn, so none repeats. */
    public static List<Integer> pick(int count) {
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
