package dev.kedai.bench;

import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Locale;
import java.util.UUID;
import java.util.function.Supplier;

import com.sun.net.httpserver.HttpServer;
import dev.kedai.platform.security.Caller;
import dev.kedai.platform.security.DenyList;
import dev.kedai.platform.security.JwksKeySource;
import dev.kedai.platform.security.JwtVerifier;
import io.helidon.security.jwt.Jwt;
import io.helidon.security.jwt.SignedJwt;
import io.helidon.security.jwt.jwk.JwkRSA;
import redis.clients.jedis.RedisClient;

/**
 * Micro-benchmark of what every service does per authenticated request: the platform's
 * {@link JwtVerifier} on a token it sees for the first time (parse, RS256 signature, exp/iss/aud)
 * and on one it has verified before (remembered), then followed by the {@link DenyList} check
 * (one Redis EXISTS round trip). The JWKS comes from a tiny loopback server; Redis must
 * be running on loopback.
 *
 * <pre>
 * java -cp bench/target/kedai-bench.jar dev.kedai.bench.TokenVerifyBench redis://127.0.0.1:16379 [seconds] [threads]
 * </pre>
 */
public final class TokenVerifyBench {

    private TokenVerifyBench() {
    }

    public static void main(String[] args) throws Exception {
        URI redisUrl = URI.create(args.length > 0 ? args[0] : "redis://127.0.0.1:16379");
        if (!"127.0.0.1".equals(redisUrl.getHost()) && !"localhost".equals(redisUrl.getHost())) {
            throw new IllegalArgumentException("loopback Redis only: " + redisUrl);
        }
        Duration measure = Duration.ofSeconds(args.length > 1 ? Long.parseLong(args[1]) : 5);
        int threads = args.length > 2 ? Integer.parseInt(args[2]) : 1;

        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair pair = generator.generateKeyPair();
        String kid = "bench-key";
        HttpServer jwks = jwksServer(kid, (RSAPublicKey) pair.getPublic());
        try (RedisClient redis = RedisClient.create(redisUrl)) {
            JwksKeySource keys = new JwksKeySource(URI.create("http://127.0.0.1:" + jwks.getAddress().getPort() + "/jwks"),
                    Duration.ofMinutes(10), Duration.ofSeconds(5), Clock.systemUTC());
            JwtVerifier verifier = verifier(keys, JwtVerifier.REMEMBER);
            JwtVerifier remembersNone = verifier(keys, 0);
            DenyList denyList = new DenyList(redis);
            String token = token(pair, kid);

            Supplier<Runnable> firstSight = () -> () -> remembersNone.verify(token);
            Supplier<Runnable> verifyOnly = () -> () -> verifier.verify(token);
            Supplier<Runnable> verifyAndDenyList = () -> () -> {
                Caller caller = verifier.verify(token);
                if (denyList.isRevoked(caller)) {
                    throw new IllegalStateException("not revoked, yet denied");
                }
            };
            System.out.printf(Locale.ROOT, "token verification, RS256 2048-bit, %d thread(s), %d s each, %d cores%n",
                              threads, measure.toSeconds(), Runtime.getRuntime().availableProcessors());
            // two rounds, alternating: the first one also warms the JIT up; compare the second
            for (int round = 1; round <= 2; round++) {
                System.out.println("round " + round);
                report("a token seen for the first time", run(firstSight, threads, measure), threads, measure);
                report("the same token again (remembered)", run(verifyOnly, threads, measure), threads, measure);
                report("again + deny list (Redis EXISTS)", run(verifyAndDenyList, threads, measure), threads, measure);
            }
        } finally {
            jwks.stop(0);
        }
    }

    private static JwtVerifier verifier(JwksKeySource keys, int remember) {
        return new JwtVerifier(keys, "kedai-auth", "kedai", Duration.ofSeconds(30), Clock.systemUTC(), remember);
    }

    // µs one thread spends on one verification: the threads' time divided by what they all did
    private static void report(String what, long count, int threads, Duration measure) {
        System.out.printf(Locale.ROOT, "  %-36s %,10.0f verifications/s  (%.1f µs each per thread)%n", what,
                          count / (double) measure.toSeconds(),
                          threads * (measure.toNanos() / 1000.0) / Math.max(1, count));
    }

    /** Runs {@code work} on {@code threads} threads for {@code d}; returns how many completed. */
    private static long run(Supplier<Runnable> work, int threads, Duration d) throws InterruptedException {
        long end = System.nanoTime() + d.toNanos();
        long[] counts = new long[threads];
        Thread[] running = new Thread[threads];
        for (int t = 0; t < threads; t++) {
            int index = t;
            Runnable r = work.get();
            running[t] = Thread.ofPlatform().start(() -> {
                long n = 0;
                while (System.nanoTime() < end) {
                    r.run();
                    n++;
                }
                counts[index] = n;
            });
        }
        for (Thread t : running) {
            t.join();
        }
        return Arrays.stream(counts).sum();
    }

    private static String token(KeyPair pair, String kid) {
        Instant now = Instant.now();
        Jwt jwt = Jwt.builder().algorithm(JwkRSA.ALG_RS256).type("JWT").keyId(kid).issuer("kedai-auth").addAudience("kedai")
                .subject(UUID.randomUUID().toString()).jwtId(UUID.randomUUID().toString())
                .addPayloadClaim("sid", UUID.randomUUID().toString()).addUserGroup("customer")
                .issueTime(now).expirationTime(now.plus(Duration.ofMinutes(15))).build();
        JwkRSA signer = JwkRSA.builder().privateKey((RSAPrivateKey) pair.getPrivate()).publicKey((RSAPublicKey) pair.getPublic())
                .keyId(kid).algorithm(JwkRSA.ALG_RS256).build();
        return SignedJwt.sign(jwt, signer).tokenContent();
    }

    private static HttpServer jwksServer(String kid, RSAPublicKey key) throws java.io.IOException {
        String body = "{\"keys\":[{\"kty\":\"RSA\",\"use\":\"sig\",\"alg\":\"RS256\",\"kid\":\"" + kid + "\",\"n\":\""
                + b64(key.getModulus()) + "\",\"e\":\"" + b64(key.getPublicExponent()) + "\"}]}";
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/jwks", exchange -> {
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        });
        server.start();
        return server;
    }

    private static String b64(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
