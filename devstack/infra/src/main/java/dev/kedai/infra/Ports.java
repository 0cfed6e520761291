package dev.kedai.infra;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Port checks done before a server starts, so a clash is one clear line rather than a server's stack trace. */
final class Ports {

    private Ports() {
    }

    /** The port itself when it can be bound on every interface (servers bind 127.0.0.1, others may hold 0.0.0.0), else fails. */
    static int requireFree(int port, String server, String flag) {
        if (port == 0) {
            return FreePorts.one();
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(port), 1);
        } catch (IOException e) {
            throw new PortInUseException(port, server, flag);
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
        } catch (IOException e) {
            throw new PortInUseException(port, server, flag);
        }
        return port;
    }
}
