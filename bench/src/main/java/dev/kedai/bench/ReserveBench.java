package dev.kedai.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

import dev.kedai.infra.InfraEndpoints;
import dev.kedai.proto.stock.v1.Line;
import dev.kedai.proto.stock.v1.ReserveRequest;
import dev.kedai.proto.stock.v1.StockServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.ChannelOption;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * gRPC {@code StockService.Reserve} throughput under contention: N closed-loop workers reserve
 * 1 unit of one of 10 hot products (random) under a new order id each, so every call contends
 * for the same 10 rows. The hot products get a huge on-hand first (by SQL, as the DB admin), so
 * the measure is the locking path, not shortages.
 *
 * <pre>{@code java -cp kedai-bench.jar dev.kedai.bench.ReserveBench <infra.properties> <stock host:grpc-port> [workers=32] [seconds=30]}</pre>
 * It calls as cartorder, with the certificate in {@code -Dkedai.grpc-tls=DIR} (default {@code .kedai/grpc-tls},
 * what {@code ./kedai up} makes).
 */
public final class ReserveBench {

    private static final int HOT = 10;

    private ReserveBench() {
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            System.err.println("usage: ReserveBench <infra.properties> <host:grpc-port> [workers] [seconds]");
            System.exit(2);
        }
        Properties p = new Properties();
        try (var in = Files.newInputStream(Path.of(args[0]))) {
            p.load(in);
        }
        InfraEndpoints infra = InfraEndpoints.fromProperties(p);
        String target = args[1];
        if (!target.startsWith("127.0.0.1:") && !target.startsWith("localhost:")) {
            throw new IllegalArgumentException("loopback targets only: " + target);
        }
        int workers = args.length > 2 ? Integer.parseInt(args[2]) : 32;
        Duration duration = Duration.ofSeconds(args.length > 3 ? Long.parseLong(args[3]) : 30);
        Duration warmup = Duration.ofSeconds(5);

        List<String> hot = new ArrayList<>();
        try (Connection c = DriverManager.getConnection(infra.jdbcUrl("kedai_stock"), infra.dbAdminUser(),
                                                        infra.dbAdminPassword())) {
            for (int i = 0; i < HOT; i++) {
                String id = UUID.randomUUID().toString();
                c.createStatement().executeUpdate(
                        "INSERT INTO stock_levels (product_id, on_hand, reserved) VALUES ('" + id + "', 1000000000, 0)");
                hot.add(id);
            }
        }
        // stock allows Reserve to cartorder only: call with cartorder's certificate (mutual TLS)
        java.nio.file.Path tls = java.nio.file.Path.of(System.getProperty("kedai.grpc-tls", ".kedai/grpc-tls"));
        dev.kedai.platform.grpc.GrpcTls cartorder = dev.kedai.platform.grpc.GrpcTls.of(tls.resolve("cartorder.pem"),
                tls.resolve("cartorder.key"), tls.resolve("ca.pem"), Duration.ofMinutes(5));
        ManagedChannel channel = NettyChannelBuilder.forTarget(target, cartorder.client())
                .withOption(ChannelOption.TCP_NODELAY, true).build();
        var stub = StockServiceGrpc.newBlockingStub(channel);
        Recorder recorder = new Recorder(3);
        AtomicLong ok = new AtomicLong();
        AtomicLong failed = new AtomicLong();
        long warmEnd = System.nanoTime() + warmup.toNanos();
        long end = warmEnd + duration.toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            threads.add(Thread.ofPlatform().start(() -> {
                while (System.nanoTime() < end) {
                    String product = hot.get(ThreadLocalRandom.current().nextInt(HOT));
                    long t0 = System.nanoTime();
                    try {
                        boolean reserved = stub.withDeadlineAfter(5, TimeUnit.SECONDS).reserve(ReserveRequest.newBuilder()
                                .setOrderId(UUID.randomUUID().toString())
                                .addLines(Line.newBuilder().setProductId(product).setQuantity(1))
                                .build()).getReserved();
                        if (t0 >= warmEnd) {
                            recorder.recordValue(System.nanoTime() - t0);
                            (reserved ? ok : failed).incrementAndGet();
                        }
                    } catch (RuntimeException e) {
                        if (t0 >= warmEnd) {
                            failed.incrementAndGet();
                        }
                    }
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        channel.shutdownNow();
        Histogram h = recorder.getIntervalHistogram();
        System.out.printf("reserve: %d workers, %d s: %d reserved, %d failed, %.0f reservations/s, "
                        + "p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                workers, duration.toSeconds(), ok.get(), failed.get(), ok.get() / (double) duration.toSeconds(),
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6);
    }
}
