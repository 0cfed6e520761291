package dev.kedai.auth;

import java.net.URI;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.security.Caller;
import dev.kedai.platform.security.JwtVerifier;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestServiceConfig;
import io.helidon.security.jwt.Jwt;
import io.helidon.security.jwt.SignedJwt;
import io.helidon.security.jwt.jwk.JwkRSA;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.testing.TestHttp.assertProblem;
import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;

class AuthServiceTest {

    private static TestTokens tokens;
    private static KedaiServer server;
    private static TestHttp http;

    @BeforeAll
    static void start() {
        tokens = TestTokens.start();
        server = Main.start(TestServiceConfig.of(TestInfra.newDatabase("auth"), tokens, Map.of()));
        http = new TestHttp(server.port());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.stop();
        }
        tokens.close();
    }

    @Test
    void ephemeralKeyIsPublishedWithoutPrivateMembers() {
        var res = http.get("/auth/jwks");
        assertThat(res.statusCode()).isEqualTo(200);
        JsonNode keys = json(res).get("keys");
        assertThat(keys).hasSize(1);
        JsonNode key = keys.get(0);
        assertThat(key.get("kty").asText()).isEqualTo("RSA");
        assertThat(key.get("alg").asText()).isEqualTo("RS256");
        assertThat(key.get("kid").asText()).isNotBlank();
        assertThat(key.fieldNames()).toIterable().containsExactlyInAnyOrder("kty", "use", "alg", "kid", "n", "e");
    }

    @Test
    void configuredKeyVerifiesTokensItSigns() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        var pair = generator.generateKeyPair();
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        try (KedaiServer configured = Main.start(TestServiceConfig.of(TestInfra.newDatabase("auth_keys"), tokens,
                Map.of("auth.keys.private-pem", pem, "auth.keys.kid", "k-2026")))) {
            JsonNode key = json(new TestHttp(configured.port()).get("/auth/jwks")).get("keys").get(0);
            assertThat(key.get("kid").asText()).isEqualTo("k-2026");

            // a token signed with the configured private key verifies against the published set
            JwkRSA signer = JwkRSA.builder().privateKey((RSAPrivateKey) pair.getPrivate())
                    .publicKey((RSAPublicKey) pair.getPublic()).keyId("k-2026").algorithm(JwkRSA.ALG_RS256).build();
            Instant now = Instant.now();
            String token = SignedJwt.sign(Jwt.builder().algorithm(JwkRSA.ALG_RS256).keyId("k-2026")
                    .issuer("kedai-auth").addAudience("kedai").subject("u-1").jwtId(UUID.randomUUID().toString())
                    .addPayloadClaim("sid", "s-1").addUserGroup("customer")
                    .issueTime(now).expirationTime(now.plusSeconds(60)).build(), signer).tokenContent();
            JwtVerifier verifier = new JwtVerifier(URI.create("http://127.0.0.1:" + configured.port() + "/auth/jwks"),
                    "kedai-auth", "kedai", Duration.ofMinutes(10), Duration.ofSeconds(1), Duration.ofSeconds(5));
            Caller caller = verifier.verify(token);
            assertThat(caller.userId()).isEqualTo("u-1");
            assertThat(caller.hasRole("customer")).isTrue();
        }
    }

    @Test
    void readyOpenApiAndOversizeBody() {
        var ready = new TestHttp(server.adminPort()).get("/observe/health/ready");
        assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
        assertThat(http.get("/openapi").body()).contains("/auth/jwks");
        assertProblem(http.postOversize("/auth/login", "application/json", new byte[2 * 1024 * 1024]), 413);
        assertProblem(http.get("/auth/nothing"), 404);
    }
}
