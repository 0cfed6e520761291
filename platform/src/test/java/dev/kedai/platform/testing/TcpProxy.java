package dev.kedai.platform.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A TCP forwarder in front of a real server (MariaDB, Redis), so a test can take that server
 * away from one service without stopping it for every other test: {@link #cut()} closes every
 * connection and refuses new ones, as a dead server or a network partition does;
 * {@link #restore()} listens again on the same port.
 *
 * <pre>{@code
 * try (TcpProxy redis = TcpProxy.to(URI.create(TestInfra.get().redisUrl()))) {
 *     ... "redis.url" -> redis.url("redis") ...
 *     redis.cut();  ...  redis.restore();
 * }
 * }</pre>
 */
public final class TcpProxy implements AutoCloseable {

    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final InetSocketAddress target;
    private final int port;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private ServerSocket listener;

    private TcpProxy(InetSocketAddress target) {
        this.target = target;
        this.listener = listen(0);
        this.port = listener.getLocalPort();
        acceptLoop(listener);
    }

    public static TcpProxy to(String host, int port) {
        return new TcpProxy(new InetSocketAddress(host, port));
    }

    /** To the host and port of a URI such as {@code redis://127.0.0.1:6379}. */
    public static TcpProxy to(URI uri) {
        return to(uri.getHost(), uri.getPort());
    }

    public int port() {
        return port;
    }

    /** {@code scheme://127.0.0.1:<port>}, e.g. {@code url("redis")}. */
    public String url(String scheme) {
        return scheme + "://127.0.0.1:" + port;
    }

    /** The server goes away: open connections are closed, new ones refused. */
    public synchronized void cut() {
        closeQuietly(listener);
        listener = null;
        open.forEach(TcpProxy::closeQuietly);
        open.clear();
    }

    /** The server is back on the same port. */
    public synchronized void restore() {
        if (listener == null) {
            listener = listen(port);
            acceptLoop(listener);
        }
    }

    @Override
    public void close() {
        cut();
    }

    private static ServerSocket listen(int port) {
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(LOOPBACK, port));
            return socket;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on 127.0.0.1:" + port, e);
        }
    }

    private void acceptLoop(ServerSocket server) {
        Thread.ofVirtual().name("tcp-proxy-" + port).start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    Socket upstream = new Socket();
                    try {
                        upstream.connect(target, 2_000);
                    } catch (IOException e) {
                        closeQuietly(client);
                        closeQuietly(upstream);
                        continue;
                    }
                    client.setTcpNoDelay(true);
                    upstream.setTcpNoDelay(true);
                    open.add(client);
                    open.add(upstream);
                    pipe(client, upstream);
                    pipe(upstream, client);
                } catch (IOException e) {
                    return;   // the listener was closed (cut)
                }
            }
        });
    }

    private void pipe(Socket from, Socket to) {
        Thread.ofVirtual().start(() -> {
            try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
                in.transferTo(out);
            } catch (IOException e) {
                // one side went away: close both below
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                open.remove(from);
                open.remove(to);
            }
        });
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            // closing is all we want
        }
    }
}
