package dev.kedai.platform.grpc;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import io.grpc.ChannelCredentials;
import io.grpc.ServerCredentials;
import io.grpc.TlsChannelCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.util.AdvancedTlsX509KeyManager;
import io.grpc.util.AdvancedTlsX509TrustManager;
import io.helidon.common.config.Config;

/**
 * A service's gRPC identity: its certificate and key, and the CA whose certificates it trusts,
 * for mutual TLS on both sides (docs/security.md, "Service to service"). Every gRPC server asks
 * callers for a certificate and every channel presents the service's own; {@link GrpcCallers}
 * then allows each method to the services that need it.
 *
 * <p>Config {@code grpc.tls}: {@code cert} (PEM, the service's certificate, chain after it),
 * {@code key} (PEM, PKCS#8: RSA or EC), {@code ca} (PEM, the CA certificates to trust),
 * {@code refresh} (default PT5M: how often the three files are read again, so certificates that
 * cert-manager renews in the mounted Secret are picked up without a restart). The devstack and
 * the test fixtures make them; the chart mounts them. There is no plaintext mode.
 */
public final class GrpcTls implements AutoCloseable {

    private static final ScheduledExecutorService RELOADER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "grpc-tls-reload");
        t.setDaemon(true);
        return t;
    });

    private final AdvancedTlsX509KeyManager keys;
    private final AdvancedTlsX509TrustManager callers;
    private final AdvancedTlsX509TrustManager servers;
    private final List<AutoCloseable> reloads;

    private GrpcTls(AdvancedTlsX509KeyManager keys, AdvancedTlsX509TrustManager callers,
                    AdvancedTlsX509TrustManager servers, List<AutoCloseable> reloads) {
        this.keys = keys;
        this.callers = callers;
        this.servers = servers;
        this.reloads = reloads;
    }

    /** From {@code grpc.tls.*} of the root config; a clear error when a file is not configured or unreadable. */
    public static GrpcTls load(Config root) {
        Config tls = root.get("grpc.tls");
        return of(file(tls, "cert"), file(tls, "key"), file(tls, "ca"),
                  tls.get("refresh").as(Duration.class).orElse(Duration.ofMinutes(5)));
    }

    /** From PEM files, read again every {@code refresh}. */
    public static GrpcTls of(Path cert, Path key, Path ca, Duration refresh) {
        List<AutoCloseable> reloads = new ArrayList<>();
        try {
            AdvancedTlsX509KeyManager keys = new AdvancedTlsX509KeyManager();
            reloads.add(keys.updateIdentityCredentialsFromFile(key.toFile(), cert.toFile(), refresh.toMillis(),
                                                               TimeUnit.MILLISECONDS, RELOADER));
            // a caller is known by its certificate alone; a server also by the host name dialled
            AdvancedTlsX509TrustManager callers = trust(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_ONLY_VERIFICATION,
                                                        ca, refresh, reloads);
            AdvancedTlsX509TrustManager servers = trust(AdvancedTlsX509TrustManager.Verification.CERTIFICATE_AND_HOST_NAME_VERIFICATION,
                                                        ca, refresh, reloads);
            return new GrpcTls(keys, callers, servers, reloads);
        } catch (IOException e) {
            closeAll(reloads);
            throw new UncheckedIOException("cannot read the gRPC certificate files " + cert + ", " + key + ", " + ca, e);
        } catch (GeneralSecurityException | RuntimeException e) {
            closeAll(reloads);
            throw new IllegalStateException("unusable gRPC certificate files " + cert + ", " + key + ", " + ca
                    + ": " + e.getMessage(), e);
        }
    }

    private static AdvancedTlsX509TrustManager trust(AdvancedTlsX509TrustManager.Verification verification, Path ca,
                                                     Duration refresh, List<AutoCloseable> reloads)
            throws IOException, GeneralSecurityException {
        AdvancedTlsX509TrustManager trust = AdvancedTlsX509TrustManager.newBuilder().setVerification(verification).build();
        reloads.add(trust.updateTrustCredentialsFromFile(ca.toFile(), refresh.toMillis(), TimeUnit.MILLISECONDS, RELOADER));
        return trust;
    }

    /** A server's credentials: its certificate; a caller's certificate is asked for, and checked when sent. */
    public ServerCredentials server() {
        // OPTIONAL, not REQUIRE: a caller without a certificate then gets UNAUTHENTICATED from
        // GrpcCallers instead of a failed handshake it cannot tell from an outage
        return TlsServerCredentials.newBuilder().keyManager(keys).trustManager(callers)
                .clientAuth(TlsServerCredentials.ClientAuth.OPTIONAL).build();
    }

    /** A channel's credentials: the service's own certificate, and the server's checked (CA and host name). */
    public ChannelCredentials client() {
        return TlsChannelCredentials.newBuilder().keyManager(keys).trustManager(servers).build();
    }

    /** Stops reading the files again. */
    @Override
    public void close() {
        closeAll(reloads);
    }

    private static void closeAll(List<AutoCloseable> closeables) {
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception ignored) {
                // a stopped reload task has nothing left to release
            }
        }
    }

    private static Path file(Config tls, String key) {
        String value = tls.get(key).asString().orElseThrow(() -> new IllegalStateException(
                "grpc.tls." + key + " is not set: every gRPC server and client needs its service's certificate "
                        + "(grpc.tls.cert, grpc.tls.key, grpc.tls.ca; ./kedai up makes them, the chart mounts them)"));
        Path path = Path.of(value);
        if (!Files.isReadable(path)) {
            throw new IllegalStateException("grpc.tls." + key + ": cannot read " + path);
        }
        return path;
    }
}
