package dev.kedai.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import org.junit.jupiter.api.Test;

/** The slow peer: bytes through the proxy arrive unchanged, in order, and never before their delay. */
class DelayProxyTest {

    @Test
    void withoutDelayBytesPassBothWays() throws Exception {
        try (ServerSocket echo = echoServer(); DelayProxy proxy = new DelayProxy(echo.getLocalPort());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            client.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));

            assertThat(read(client.getInputStream(), 4)).isEqualTo("ping");
        }
    }

    @Test
    void aDelayedByteNeverArrivesBeforeItsDelay() throws Exception {
        try (ServerSocket echo = echoServer(); DelayProxy proxy = new DelayProxy(echo.getLocalPort());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            client.getOutputStream().write('x');
            assertThat(read(client.getInputStream(), 1)).isEqualTo("x"); // connected through to the peer
            proxy.delay(Duration.ofMillis(400));
            long sent = System.nanoTime();
            client.getOutputStream().write('a');

            assertThat(read(client.getInputStream(), 1)).isEqualTo("a");
            // a lower bound only: held 400 ms each way at least, however fast the machine is
            assertThat(Duration.ofNanos(System.nanoTime() - sent)).isGreaterThanOrEqualTo(Duration.ofMillis(800));
        }
    }

    @Test
    void switchingTheDelayOffNeverLetsLaterBytesOvertakeHeldOnes() throws Exception {
        try (ServerSocket echo = echoServer(); DelayProxy proxy = new DelayProxy(echo.getLocalPort());
             Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            OutputStream out = client.getOutputStream();
            proxy.delay(Duration.ofMillis(300));
            for (char c : "abc".toCharArray()) {
                out.write(c);
                out.flush();
            }
            proxy.delay(Duration.ZERO);
            out.write('d');
            out.flush();

            assertThat(read(client.getInputStream(), 4)).isEqualTo("abcd");
        }
    }

    @Test
    void aPeerThatIsDownIsRefusedAsItWouldBe() throws Exception {
        int closedPort;
        try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = gone.getLocalPort();
        }
        try (DelayProxy proxy = new DelayProxy(closedPort);
             Socket client = new Socket(InetAddress.getLoopbackAddress(), proxy.port())) {
            client.setSoTimeout(10_000);
            assertThat(client.getInputStream().read()).as("closed by the proxy").isEqualTo(-1);
        }
    }

    private static ServerSocket echoServer() throws IOException {
        ServerSocket server = new ServerSocket(0, 10, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket s = server.accept();
                    Thread.ofVirtual().start(() -> {
                        try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
                            in.transferTo(out);
                        } catch (IOException e) {
                            // the test closed it
                        }
                    });
                } catch (IOException e) {
                    return;
                }
            }
        });
        return server;
    }

    private static String read(InputStream in, int n) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        while (got.size() < n) {
            int b = in.read();
            if (b < 0) {
                break;
            }
            got.write(b);
        }
        return got.toString(StandardCharsets.US_ASCII);
    }
}
