package dev.kedai.platform.security;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JwtVerifierTest {

    private final TestTokens tokens = TestTokens.start();
    private final JwtVerifier verifier = tokens.verifier(Duration.ofMillis(100));

    @AfterEach
    void tearDown() {
        tokens.close();
    }

    @Test
    void acceptsAValidTokenAndReadsTheCaller() {
        Instant exp = Instant.now().plus(Duration.ofMinutes(15)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String token = tokens.mint(b -> b.subject("user-1").jwtId("jti-1").addPayloadClaim("sid", "sid-1")
                .addUserGroup("customer").expirationTime(exp));
        Caller caller = verifier.verify(token);
        assertThat(caller).isEqualTo(new Caller("user-1", "sid-1", "jti-1", java.util.Set.of("customer"), exp));
        assertThat(caller.hasRole("customer")).isTrue();
        assertThat(caller.hasRole("admin")).isFalse();
    }

    @Test
    void rejectsWrongIssuerAudienceExpiryAndMissingClaims() {
        assertRejected(tokens.mint(b -> b.issuer("someone-else")));
        assertRejected(tokens.mint(b -> b.audience(java.util.List.of("other-audience"))));
        assertRejected(tokens.mint(b -> b.expirationTime(Instant.now().minus(Duration.ofMinutes(5)))));
        assertRejected(tokens.mint(b -> b.expirationTime(null)));
        assertRejected(tokens.mint(b -> b.removePayloadClaim("sid")));
        assertRejected(tokens.mint(b -> b.jwtId(null)));
        assertRejected("not-a-jwt");
        assertRejected("not.a.token");
        assertRejected("eyJhbGciOiJSUzI1NiJ9.e30.");
        assertRejected("");
    }

    @Test
    void rejectsABadSignatureAndATamperedPayload() {
        assertRejected(tokens.mintWithForeignKey(b -> { }));
        String[] parts = tokens.mint("user-1", "customer").split("\\.");
        String adminPayload = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(java.util.Base64.getUrlDecoder().decode(parts[1])).replace("customer", "admin").getBytes());
        assertRejected(parts[0] + "." + adminPayload + "." + parts[2]);
    }

    @Test
    void rejectsAnUnsignedToken() {
        String[] parts = tokens.mint("user-1").split("\\.");
        String none = java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes());
        assertRejected(none + "." + parts[1] + ".");
    }

    @Test
    void rejectsAnUnknownKidAndPicksUpARotatedKeyWithoutRestart() {
        verifier.verify(tokens.mint("user-1"));
        assertRejected(tokens.mintWithUnpublishedKey("user-2"));
        tokens.publishPending();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(verifier.verify(tokens.mint("user-2")).userId()).isEqualTo("user-2"));
        tokens.rotate();
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(verifier.verify(tokens.mint("user-3")).userId()).isEqualTo("user-3"));
    }

    @Test
    void unknownKidsDoNotHammerTheJwksEndpoint() {
        JwtVerifier slow = tokens.verifier(Duration.ofSeconds(5));
        slow.verify(tokens.mint("user-1"));
        int before = tokens.jwksRequests();
        for (int i = 0; i < 20; i++) {
            String garbage = tokens.mint(b -> b.keyId("kid-" + Math.random()));
            assertThatThrownBy(() -> slow.verify(garbage)).isInstanceOf(UnauthorizedException.class);
        }
        assertThat(tokens.jwksRequests() - before).isLessThanOrEqualTo(1);
    }

    /**
     * OWASP API7 (server-side request forgery): a token cannot make a service fetch a URL. Keys come
     * only from the configured JWKS; a token naming its own key location (jku, x5u) is refused and
     * that location is never asked.
     */
    @Test
    void aTokenNamingItsOwnKeyLocationIsRefusedAndThatLocationNeverAsked() {
        try (TestTokens attacker = TestTokens.start()) {
            String url = attacker.jwksUrl().toString();
            assertRejected(attacker.mint(b -> b.subject("user-1").addHeaderClaim("jku", url).addHeaderClaim("x5u", url)));
            assertRejected(attacker.mint(b -> b.subject("user-1").keyId("kid-" + Math.random()).addHeaderClaim("jku", url)));
            assertThat(attacker.jwksRequests()).isZero();
        }
    }

    @Test
    void anUnreachableJwksIsNotTheCallersFault() {
        JwtVerifier nowhere = new JwtVerifier(java.net.URI.create("http://127.0.0.1:1/auth/jwks"), "kedai-auth",
                                              "kedai", Duration.ofMinutes(10), Duration.ofSeconds(5), Duration.ZERO);
        assertThatThrownBy(() -> nowhere.verify(tokens.mint("user-1"))).isInstanceOf(KeysUnavailableException.class);
    }

    /** Several auth instances ({@code jwks-url: a,b}): with the first one down, the keys come from the next. */
    @Test
    void withTheFirstOfTwoAuthInstancesDownTheKeysComeFromTheOther() {
        Map<String, String> config = new java.util.HashMap<>(tokens.config());
        config.put("security.jwt.jwks-url", "http://127.0.0.1:1/auth/jwks, " + tokens.jwksUrl());
        JwtVerifier twoInstances = JwtVerifier.create(io.helidon.config.Config.just(
                io.helidon.config.ConfigSources.create(config)));

        assertThat(twoInstances.verify(tokens.mint("user-1")).userId()).isEqualTo("user-1");
    }

    private void assertRejected(String token) {
        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOf(UnauthorizedException.class);
    }
}
