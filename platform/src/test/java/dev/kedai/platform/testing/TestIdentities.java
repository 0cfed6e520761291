package dev.kedai.platform.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.kedai.infra.ServiceCertificates;
import dev.kedai.platform.grpc.GrpcChannels;
import dev.kedai.platform.grpc.GrpcTls;
import io.grpc.Channel;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;

/**
 * The gRPC identities of one test JVM: a CA of its own and a certificate per service name, made
 * on first use, so a service under test and the tests calling it as its peers speak mutual TLS
 * as in a cluster ({@link TestServiceConfig} gives each service its own).
 *
 * <pre>{@code
 * ManagedChannel asCartorder = TestIdentities.open("cartorder", "127.0.0.1:" + server.grpcPort().orElseThrow());
 * }</pre>
 */
public final class TestIdentities {

    private static final ServiceCertificates CA;
    private static final Map<String, ServiceCertificates.Identity> ISSUED = new ConcurrentHashMap<>();

    static {
        try {
            CA = ServiceCertificates.create(Files.createTempDirectory("kedai-test-grpc-tls"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private TestIdentities() {
    }

    /** {@code service}'s files (made once per JVM). */
    public static ServiceCertificates.Identity of(String service) {
        return ISSUED.computeIfAbsent(service, CA::issue);
    }

    /** {@code service}'s {@code grpc.tls.*} settings. */
    public static Map<String, String> config(String service) {
        return of(service).config();
    }

    /** {@code service}'s identity, for a server or channels of a test's own. */
    public static GrpcTls tls(String service) {
        ServiceCertificates.Identity id = of(service);
        return GrpcTls.of(id.cert(), id.key(), id.ca(), Duration.ofMinutes(5));
    }

    /** A channel to {@code target} calling as {@code service}; the caller closes it. */
    public static ManagedChannel open(String service, String target) {
        return GrpcChannels.open(target, tls(service));
    }

    /** A TLS channel to {@code target} that trusts the server but presents no certificate (a stranger). */
    public static ManagedChannel anonymous(String target) {
        try {
            return NettyChannelBuilder.forTarget(target, TlsChannelCredentials.newBuilder()
                    .trustManager(CA.caFile().toFile()).build()).build();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The status code of one {@code call} on {@code channel} (OK when it answered), with a 10 s
     * deadline; the channel is shut down after.
     */
    public static Status.Code codeOf(ManagedChannel channel, java.util.function.Function<Channel, ?> call) {
        try {
            call.apply(io.grpc.ClientInterceptors.intercept(channel,
                    new dev.kedai.platform.grpc.DefaultDeadline(java.time.Duration.ofSeconds(10))));
            return Status.Code.OK;
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        } finally {
            channel.shutdownNow();
        }
    }

    /** A callers table letting {@code caller} call every method of {@code services} (for a peer's test double). */
    public static dev.kedai.platform.grpc.GrpcCallers allowingAll(String caller, io.grpc.BindableService... services) {
        var table = dev.kedai.platform.grpc.GrpcCallers.builder();
        for (io.grpc.BindableService service : services) {
            service.bindService().getMethods().forEach(m -> table.allow(m.getMethodDescriptor(), caller));
        }
        return table.build();
    }
}
