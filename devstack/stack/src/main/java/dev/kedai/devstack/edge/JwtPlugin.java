package dev.kedai.devstack.edge;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Kong's {@code jwt} plugin, as far as Kedai uses it: the token from the configured headers
 * ({@code Bearer}) or query parameters, the credential found by {@code key_claim_name}, the
 * credential's algorithm, the signature, {@code claims_to_verify} ({@code exp}, {@code nbf})
 * and {@code maximum_expiration}. Answers with Kong's 401 bodies. RS256 only (Kedai's tokens);
 * the public keys come from {@link JwksKeys}. With {@code key_claim_name: kid} a key id auth's
 * JWKS publishes counts as a credential of the consumer whose credential Secrets are made in the
 * cluster (one per key id), as the chart makes them from auth's public keys.
 */
public final class JwtPlugin {
    private static final Pattern BEARER = Pattern.compile("\\s*[Bb]earer\\s+(.+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String keyClaimName;
    private final List<String> claimsToVerify;
    private final long maximumExpiration;
    private final List<String> headerNames;
    private final List<String> uriParamNames;
    private final boolean runOnPreflight;
    private final Map<String, KongManifests.JwtCredential> credentials;
    private final Optional<String> jwksConsumer;
    private final JwksKeys keys;
    private final Clock clock;

    JwtPlugin(JsonNode config, Map<String, KongManifests.JwtCredential> credentials, JwksKeys keys, Clock clock) {
        this(config, credentials, Optional.empty(), keys, clock);
    }

    /** @param jwksConsumer the consumer a key id of auth's JWKS belongs to (with key_claim_name: kid) */
    JwtPlugin(JsonNode config, Map<String, KongManifests.JwtCredential> credentials, Optional<String> jwksConsumer,
              JwksKeys keys, Clock clock) {
        this.keyClaimName = config.path("key_claim_name").asText("iss");
        this.claimsToVerify = strings(config.path("claims_to_verify"), List.of());
        this.maximumExpiration = config.path("maximum_expiration").asLong(0);
        this.headerNames = strings(config.path("header_names"), List.of("authorization"));
        this.uriParamNames = strings(config.path("uri_param_names"), List.of("jwt"));
        this.runOnPreflight = config.path("run_on_preflight").asBoolean(true);
        this.credentials = Map.copyOf(credentials);
        this.jwksConsumer = jwksConsumer;
        this.keys = keys;
        this.clock = clock;
        for (KongManifests.JwtCredential credential : credentials.values()) {
            if (!"RS256".equals(credential.algorithm())) {
                throw new IllegalStateException("jwt credential " + credential.secretName() + " uses "
                        + credential.algorithm() + "; the dev edge verifies RS256 only");
            }
        }
    }

    /** What a passed check tells the upstream: Kong's consumer headers. */
    public record Accepted(String consumer, String credentialKey) {
    }

    /** Either the consumer the token belongs to, or Kong's 401. */
    public record Outcome(Optional<Accepted> accepted, Optional<EdgeAnswer> rejected) {
        static Outcome reject(EdgeAnswer answer) {
            return new Outcome(Optional.empty(), Optional.of(answer));
        }
    }

    /** {@code run_on_preflight}: whether CORS preflights (OPTIONS) need a token too. */
    public boolean runsOnPreflight() {
        return runOnPreflight;
    }

    /**
     * @param header a request header by lower-case name
     * @param query  a query parameter by name
     */
    public Outcome check(java.util.function.Function<String, Optional<String>> header,
                         java.util.function.Function<String, Optional<String>> query) {
        List<String> tokens = new ArrayList<>();
        for (String name : uriParamNames) {
            query.apply(name).ifPresent(tokens::add);
        }
        for (String name : headerNames) {
            header.apply(name.toLowerCase(Locale.ROOT)).ifPresent(value -> {
                Matcher m = BEARER.matcher(value);
                if (m.matches()) {
                    tokens.add(m.group(1).trim());
                }
            });
        }
        if (tokens.isEmpty()) {
            return Outcome.reject(EdgeAnswer.exit(401, "Unauthorized", Map.of("WWW-Authenticate", "Bearer")));
        }
        if (tokens.stream().distinct().count() > 1) {
            return unauthorized("Multiple tokens provided");
        }
        String[] parts = tokens.getFirst().split("\\.", -1);
        if (parts.length != 3) {
            return unauthorized("Bad token; invalid JWT");
        }
        JsonNode head;
        JsonNode claims;
        byte[] signature;
        try {
            head = JSON.readTree(Base64.getUrlDecoder().decode(parts[0]));
            claims = JSON.readTree(Base64.getUrlDecoder().decode(parts[1]));
            signature = Base64.getUrlDecoder().decode(parts[2]);
        } catch (java.io.IOException | IllegalArgumentException e) {
            return unauthorized("Bad token; invalid JSON");
        }
        if (head == null || claims == null || !head.isObject() || !claims.isObject()) {
            return unauthorized("Bad token; invalid JSON");
        }
        JsonNode keyValue = claims.has(keyClaimName) ? claims.get(keyClaimName) : head.get(keyClaimName);
        if (keyValue == null || keyValue.isNull()) {
            return unauthorized("No mandatory '" + keyClaimName + "' in claims");
        }
        if (keyValue.asText().isEmpty()) {
            return unauthorized("Invalid '" + keyClaimName + "' in claims");
        }
        KongManifests.JwtCredential credential = credentials.get(keyValue.asText());
        if (credential == null && keyClaimName.equals("kid") && jwksConsumer.isPresent()
                && !keys.candidates(keyValue.asText()).isEmpty()) {
            credential = new KongManifests.JwtCredential(jwksConsumer.get(), "(auth's JWKS)", keyValue.asText(), "RS256",
                    Optional.empty());
        }
        if (credential == null) {
            return unauthorized("No credentials found for given '" + keyClaimName + "'");
        }
        if (!credential.algorithm().equals(head.path("alg").asText())) {
            return unauthorized("Invalid algorithm");
        }
        byte[] signed = (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII);
        String kid = head.hasNonNull("kid") ? head.get("kid").asText() : null;
        if (!verifies(kid, signed, signature)) {
            return unauthorized("Invalid signature");
        }
        Map<String, Object> errors = new LinkedHashMap<>();
        long now = clock.instant().getEpochSecond();
        for (String claim : claimsToVerify) {
            JsonNode value = claims.get(claim);
            if (value == null || !value.isNumber()) {
                errors.put(claim, "must be a number");
            } else if (claim.equals("exp") && value.asLong() <= now) {
                errors.put(claim, "token expired");
            } else if (claim.equals("nbf") && value.asLong() > now) {
                errors.put(claim, "token not valid yet");
            }
        }
        if (errors.isEmpty() && maximumExpiration > 0) {
            JsonNode exp = claims.get("exp");
            if (exp == null || !exp.isNumber()) {
                errors.put("exp", "must be a number");
            } else if (exp.asLong() - now > maximumExpiration) {
                errors.put("exp", "exceeds maximum allowed expiration");
            }
        }
        if (!errors.isEmpty()) {
            return Outcome.reject(new EdgeAnswer(401, errors, invalidTokenChallenge()));
        }
        return new Outcome(Optional.of(new Accepted(credential.consumer(), credential.key())), Optional.empty());
    }

    private boolean verifies(String kid, byte[] signed, byte[] signature) {
        for (PublicKey key : keys.candidates(kid)) {
            try {
                Signature rsa = Signature.getInstance("SHA256withRSA");
                rsa.initVerify(key);
                rsa.update(signed);
                if (rsa.verify(signature)) {
                    return true;
                }
            } catch (GeneralSecurityException e) {
                // not this key
            }
        }
        return false;
    }

    private static Outcome unauthorized(String message) {
        return Outcome.reject(EdgeAnswer.exit(401, message, invalidTokenChallenge()));
    }

    private static Map<String, String> invalidTokenChallenge() {
        return Map.of("WWW-Authenticate", "Bearer error=\"invalid_token\"");
    }

    private static List<String> strings(JsonNode node, List<String> absent) {
        if (node.isMissingNode() || node.isNull()) {
            return absent;
        }
        List<String> list = new ArrayList<>();
        node.forEach(n -> list.add(n.asText()));
        return List.copyOf(list);
    }
}
