package dev.kedai.platform.security;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import dev.kedai.infra.TestInfra;

import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.WebServer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.RedisClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class AuthenticationTest {

    private static TestTokens tokens;
    private static RedisClient redis;
    private static DenyList denyList;
    private static WebServer server;
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        tokens = TestTokens.start();
        redis = RedisClient.create(URI.create(TestInfra.get().redisUrl()));
        denyList = new DenyList(redis);
        Authentication auth = new Authentication(tokens.verifier(Duration.ofSeconds(5)), denyList);
        server = WebServer.builder()
                .port(0)
                .routing(r -> r
                        .addFilter(auth)
                        // what the filter leaves for a public route: the caller when a valid token came
                        .get("/public", (req, res) -> res.send(req.context().get(Caller.class)
                                                                       .map(Caller::userId).orElse("anonymous")))
                        .get("/me", (req, res) -> res.send(Authentication.caller(req).userId()))
                        .get("/admin", (req, res) -> res.send(Authentication.requireRole(req, "admin").userId()))
                        .get("/wrapped-admin", auth.withRole("admin", (req, res) -> res.send("ok")))
                        // what http's error mapper must do (problem+json)
                        .error(UnauthorizedException.class, (req, res, e) -> problem(res, Status.UNAUTHORIZED_401, e))
                        .error(ForbiddenException.class, (req, res, e) -> problem(res, Status.FORBIDDEN_403, e)))
                .build()
                .start();
    }

    private static void problem(io.helidon.webserver.http.ServerResponse res, Status status, Exception e) {
        res.status(status).header(HeaderNames.CONTENT_TYPE, "application/problem+json")
                .send("{\"title\":\"" + status.reasonPhrase() + "\",\"status\":" + status.code() + "}");
    }

    @AfterAll
    static void stop() {
        server.stop();
        redis.close();
        tokens.close();
    }

    @Test
    void anonymousRequestsReachPublicRoutesOnly() throws Exception {
        assertThat(get("/public", null).body()).isEqualTo("anonymous");
        HttpResponse<String> me = get("/me", null);
        assertThat(me.statusCode()).isEqualTo(401);
        assertThat(me.headers().firstValue("content-type")).hasValue("application/problem+json");
        assertThat(get("/me", "Basic abc").statusCode()).isEqualTo(401);
    }

    @Test
    void aValidTokenIdentifiesTheCaller() throws Exception {
        String token = tokens.mint("user-42", "customer");
        assertThat(get("/me", "Bearer " + token).body()).isEqualTo("user-42");
        assertThat(get("/public", "Bearer " + token).body()).isEqualTo("user-42");
    }

    @Test
    void anInvalidTokenIsRefusedEvenOnAPublicRoute() throws Exception {
        assertThat(get("/public", "Bearer nonsense").statusCode()).isEqualTo(401);
        String expired = tokens.mint(b -> b.expirationTime(Instant.now().minusSeconds(600)));
        assertThat(get("/me", "Bearer " + expired).statusCode()).isEqualTo(401);
    }

    @Test
    void rolesAreChecked() throws Exception {
        String customer = tokens.mint("user-1", "customer");
        String admin = tokens.mint("admin-1", "admin");
        assertThat(get("/admin", "Bearer " + customer).statusCode()).isEqualTo(403);
        assertThat(get("/admin", "Bearer " + admin).statusCode()).isEqualTo(200);
        assertThat(get("/wrapped-admin", "Bearer " + customer).statusCode()).isEqualTo(403);
        assertThat(get("/wrapped-admin", null).statusCode()).isEqualTo(401);
        assertThat(get("/wrapped-admin", "Bearer " + admin).statusCode()).isEqualTo(200);
    }

    @Test
    void aRevokedTokenIsRefusedWithinASecond() throws Exception {
        String jti = UUID.randomUUID().toString();
        String token = tokens.mint(b -> b.subject("user-1").jwtId(jti));
        String other = tokens.mint("user-1");
        assertThat(get("/me", "Bearer " + token).statusCode()).isEqualTo(200);
        denyList.revokeToken(jti, Instant.now().plus(Duration.ofMinutes(15)));
        await().atMost(Duration.ofSeconds(1)).until(() -> get("/me", "Bearer " + token).statusCode() == 401);
        assertThat(get("/me", "Bearer " + other).statusCode()).isEqualTo(200);
        long ttl = redis.pttl(DenyList.TOKEN_PREFIX + jti);
        assertThat(ttl).isBetween(Duration.ofMinutes(14).toMillis(), Duration.ofMinutes(15).toMillis());
    }

    @Test
    void aRevokedSessionRefusesAllItsTokensWithinASecond() throws Exception {
        String sid = UUID.randomUUID().toString();
        String first = tokens.mint(b -> b.subject("user-1").addPayloadClaim("sid", sid));
        String second = tokens.mint(b -> b.subject("user-1").addPayloadClaim("sid", sid));
        String otherSession = tokens.mint("user-1");
        assertThat(get("/me", "Bearer " + first).statusCode()).isEqualTo(200);
        denyList.revokeSession(sid, Instant.now().plus(Duration.ofMinutes(15)));
        await().atMost(Duration.ofSeconds(1)).until(() -> get("/me", "Bearer " + first).statusCode() == 401
                && get("/me", "Bearer " + second).statusCode() == 401);
        assertThat(get("/me", "Bearer " + otherSession).statusCode()).isEqualTo(200);
    }

    private static HttpResponse<String> get(String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path));
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
