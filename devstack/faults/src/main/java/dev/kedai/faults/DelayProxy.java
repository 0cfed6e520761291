package dev.kedai.faults;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Arrays;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.locks.LockSupport;

/**
 * A TCP proxy on 127.0.0.1 in front of one port (a service's gRPC port) that can hold every byte
 * back for a while in both directions: a slow peer without touching the peer. Bytes keep their
 * order; each chunk leaves {@code delay} after it arrived, with the delay in force when it arrived
 * (so switching the delay off lets the backlog drain in order, as a network would).
 */
final class DelayProxy implements AutoCloseable {

    /** A chunk and when it may leave; an empty chunk marks the end of the stream. */
    private record Chunk(byte[] bytes, long due) {
    }

    private final int target;
    private final ServerSocket server;
    private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
    private volatile long delayNanos;
    private volatile boolean closed;

    DelayProxy(int targetPort) {
        this.target = targetPort;
        try {
            server = new ServerSocket();
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the delaying proxy", e);
        }
        Thread.ofVirtual().name("delay-proxy-" + targetPort).start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** Holds each byte that arrives from now on back by {@code delay} (zero: none). */
    void delay(Duration delay) {
        this.delayNanos = delay.toNanos();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket();
                try {
                    upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target), 2_000);
                } catch (IOException refused) {
                    client.close(); // as the peer itself would: nobody listens
                    upstream.close();
                    continue;
                }
                client.setTcpNoDelay(true);
                upstream.setTcpNoDelay(true);
                sockets.add(client);
                sockets.add(upstream);
                pipe(client, upstream);
                pipe(upstream, client);
            } catch (IOException e) {
                if (!closed) {
                    LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
                }
            }
        }
    }

    /** One direction: a reader stamps each chunk, a writer lets it go when it is due. */
    private void pipe(Socket from, Socket to) {
        LinkedBlockingQueue<Chunk> queue = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            byte[] buffer = new byte[16 * 1024];
            try (InputStream in = from.getInputStream()) {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    queue.add(new Chunk(Arrays.copyOf(buffer, n), System.nanoTime() + delayNanos));
                }
            } catch (IOException e) {
                // the connection broke: end this direction
            }
            queue.add(new Chunk(new byte[0], System.nanoTime() + delayNanos));
        });
        Thread.ofVirtual().start(() -> {
            try {
                OutputStream out = to.getOutputStream();
                while (true) {
                    Chunk chunk = queue.take();
                    long wait;
                    while ((wait = chunk.due() - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait); // the delay is the fault being injected
                    }
                    if (chunk.bytes().length == 0) {
                        break;
                    }
                    out.write(chunk.bytes());
                    out.flush();
                }
            } catch (IOException | InterruptedException e) {
                // the other side went away
            }
            closeQuietly(to);
            closeQuietly(from);
        });
    }

    private void closeQuietly(Socket socket) {
        sockets.remove(socket);
        try {
            socket.close();
        } catch (IOException e) {
            // already closed
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            // closing anyway
        }
        sockets.forEach(this::closeQuietly);
    }
}
