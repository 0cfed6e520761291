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

    /**
     * A verified token is remembered (its RSA check is not repeated), but it still expires on the
     * verifier's clock, and it stops the moment the key set no longer holds the key that signed it.
     */
    @Test
    void aRememberedTokenStillExpiresAndFallsWithItsWithdrawnKey() {
        java.util.concurrent.atomic.AtomicReference<Instant> now = new java.util.concurrent.atomic.AtomicReference<>(Instant.now());
        java.time.Clock clock = new java.time.Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return java.time.ZoneOffset.UTC;
            }

            @Override
            public java.time.Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now.get();
            }
        };
        Duration refresh = Duration.ofMinutes(10);
        JwtVerifier remembering = new JwtVerifier(new JwksKeySource(tokens.jwksUrl(), refresh, Duration.ofSeconds(5), clock),
                                                  TestTokens.ISSUER, TestTokens.AUDIENCE, Duration.ofSeconds(30), clock);
        Instant exp = now.get().plus(Duration.ofMinutes(15));
        String expiring = tokens.mint(b -> b.subject("user-1").expirationTime(exp));
        String withdrawn = tokens.mint(b -> b.subject("user-2").expirationTime(now.get().plus(Duration.ofHours(1))));
        assertThat(remembering.verify(expiring).userId()).isEqualTo("user-1");
        assertThat(remembering.verify(withdrawn).userId()).isEqualTo("user-2");
        assertThat(remembering.verify(withdrawn).userId()).as("again, remembered").isEqualTo("user-2");

        // the key leaves the JWKS; the verifier sees it at its next refresh of the key set
        tokens.withdraw(tokens.currentKid());
        now.set(now.get().plus(refresh).plusSeconds(1));
        assertThatThrownBy(() -> remembering.verify(withdrawn)).isInstanceOf(UnauthorizedException.class)
                .hasMessageContaining("unknown signing key");
        String fresh = tokens.mint(b -> b.subject("user-3").expirationTime(exp));
        assertThat(remembering.verify(fresh).userId()).isEqualTo("user-3");
        assertThat(remembering.verify(fresh).userId()).isEqualTo("user-3");

        // past exp and the allowed skew, a remembered token is refused like any other
        now.set(exp.plusSeconds(31));
        assertThatThrownBy(() -> remembering.verify(fresh)).isInstanceOf(UnauthorizedException.class)
                .hasMessageContaining("rejected");
    }

    /** Remembering a token is by its whole text: a token that differs in any character is checked in full. */
    @Test
    void aTokenAlteredAfterItsOriginalWasVerifiedIsStillRefused() {
        String token = tokens.mint("user-1", "customer");
        assertThat(verifier.verify(token).userId()).isEqualTo("user-1");
        String[] parts = token.split("\\.");
        String adminPayload = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(
                new String(java.util.Base64.getUrlDecoder().decode(parts[1])).replace("customer", "admin").getBytes());
        assertRejected(parts[0] + "." + adminPayload + "." + parts[2]);
        assertRejected(token.substring(0, token.length() - 2) + (token.endsWith("A") ? "BB" : "AA"));
        assertThat(verifier.verify(token).groups()).containsExactly("customer");
    }

    private void assertRejected(String token) {
        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOf(UnauthorizedException.class);
    }
}
