package dev.kedai.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.RSAPrivateCrtKey;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import io.helidon.config.Config;

/**
 * The keys that sign access tokens, and their public half as a JWK Set for {@code GET /auth/jwks}.
 *
 * <p>Config: {@code auth.keys.private-pem} (a PKCS#8 {@code BEGIN PRIVATE KEY} PEM, e.g. from a
 * Secret) or {@code auth.keys.private-pem-path} (a file holding one), and {@code auth.keys.kid}
 * (default: the key's RFC 7638 thumbprint). Without a key an ephemeral one is generated at
 * start, with a WARNING: tokens then stop verifying when auth restarts, and replicas disagree.
 *
 * <p>Rotation: {@code auth.keys.previous} is a list of keys that no longer sign but still verify
 * and are still published, each {@code {kid, public-pem | public-pem-path | private-pem |
 * private-pem-path}} (the old private key is accepted so "move current to previous" is a copy).
 * Keep a previous key listed for at least the access-token lifetime (15 min) plus the
 * verifiers' JWKS refresh interval, so no token signed with it is refused meanwhile.
 */
public final class SigningKeys {

    private static final System.Logger LOG = System.getLogger(SigningKeys.class.getName());

    private final SigningKey current;
    private final List<VerificationKey> published;

    public SigningKeys(SigningKey current) {
        this(current, List.of());
    }

    /** @param previous keys that still verify (and are published), newest first */
    public SigningKeys(SigningKey current, List<VerificationKey> previous) {
        this.current = current;
        List<VerificationKey> all = new java.util.ArrayList<>();
        all.add(new VerificationKey(current.kid(), current.publicKey()));
        for (VerificationKey key : previous) {
            if (all.stream().anyMatch(k -> k.kid().equals(key.kid()))) {
                throw new IllegalArgumentException("auth.keys: kid " + key.kid() + " is listed twice");
            }
            all.add(key);
        }
        this.published = List.copyOf(all);
    }

    /** A public key that verifies tokens with its {@code kid}. */
    public record VerificationKey(String kid, RSAPublicKey publicKey) {
    }

    public static SigningKeys create(Config root) {
        Config keys = root.get("auth.keys");
        Optional<String> pem = keys.get("private-pem").asString().asOptional()
                .or(() -> keys.get("private-pem-path").asString().asOptional().map(SigningKeys::read));
        Optional<String> kid = keys.get("kid").asString().asOptional();
        if (pem.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "auth.keys.private-pem is not set: signing with an ephemeral key; "
                    + "tokens will not verify after a restart and replicas will not agree");
            return new SigningKeys(generate(kid), previous(keys));
        }
        return new SigningKeys(fromPem(pem.get(), kid), previous(keys));
    }

    private static List<VerificationKey> previous(Config keys) {
        List<VerificationKey> previous = new java.util.ArrayList<>();
        for (Config entry : keys.get("previous").asNodeList().orElse(List.of())) {
            String kid = entry.get("kid").asString().orElseThrow(
                    () -> new IllegalArgumentException("auth.keys.previous: every entry needs a kid"));
            Optional<String> publicPem = entry.get("public-pem").asString().asOptional()
                    .or(() -> entry.get("public-pem-path").asString().asOptional().map(SigningKeys::read));
            if (publicPem.isPresent()) {
                previous.add(new VerificationKey(kid, publicFromPem(publicPem.get())));
                continue;
            }
            String privatePem = entry.get("private-pem").asString().asOptional()
                    .or(() -> entry.get("private-pem-path").asString().asOptional().map(SigningKeys::read))
                    .orElseThrow(() -> new IllegalArgumentException("auth.keys.previous[" + kid
                            + "]: needs public-pem, public-pem-path, private-pem or private-pem-path"));
            previous.add(new VerificationKey(kid, fromPem(privatePem, Optional.of(kid)).publicKey()));
        }
        return previous;
    }

    static RSAPublicKey publicFromPem(String pem) {
        String base64 = pem.replaceAll("-----(BEGIN|END) PUBLIC KEY-----", "").replaceAll("\\s", "");
        try {
            return (RSAPublicKey) KeyFactory.getInstance("RSA")
                    .generatePublic(new java.security.spec.X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw new IllegalArgumentException("auth.keys.previous: not an RSA public key in PEM: " + e.getMessage(), e);
        }
    }

    /** Every key that verifies: the current one first, then the previous ones. */
    public List<VerificationKey> verificationKeys() {
        return published;
    }

    /** The key with this {@code kid}, current or previous. */
    public Optional<VerificationKey> find(String kid) {
        return published.stream().filter(k -> k.kid().equals(kid)).findFirst();
    }

    /** The key new tokens are signed with. */
    public SigningKey current() {
        return current;
    }

    /** The published keys as a JWK Set: public members only ({@code kty, use, alg, kid, n, e}). */
    public Map<String, Object> jwks() {
        return Map.of("keys", published.stream().map(SigningKeys::publicJwk).toList());
    }

    static Map<String, Object> publicJwk(VerificationKey key) {
        Map<String, Object> jwk = new LinkedHashMap<>();
        jwk.put("kty", "RSA");
        jwk.put("use", "sig");
        jwk.put("alg", "RS256");
        jwk.put("kid", key.kid());
        jwk.put("n", base64Url(key.publicKey().getModulus()));
        jwk.put("e", base64Url(key.publicKey().getPublicExponent()));
        return jwk;
    }

    static SigningKey fromPem(String pem, Optional<String> kid) {
        if (pem.contains("BEGIN RSA PRIVATE KEY")) {
            throw new IllegalArgumentException("auth.keys: a PKCS#1 key; convert it with "
                    + "`openssl pkcs8 -topk8 -nocrypt -in key.pem` to a BEGIN PRIVATE KEY PEM");
        }
        String base64 = pem.replaceAll("-----(BEGIN|END) PRIVATE KEY-----", "").replaceAll("\\s", "");
        try {
            KeyFactory rsa = KeyFactory.getInstance("RSA");
            RSAPrivateKey privateKey = (RSAPrivateKey) rsa.generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
            if (!(privateKey instanceof RSAPrivateCrtKey crt)) {
                throw new IllegalArgumentException("auth.keys: the private key does not carry its public exponent");
            }
            RSAPublicKey publicKey = (RSAPublicKey) rsa.generatePublic(new RSAPublicKeySpec(crt.getModulus(), crt.getPublicExponent()));
            return key(privateKey, publicKey, kid);
        } catch (GeneralSecurityException | IllegalArgumentException | ClassCastException e) {
            throw new IllegalArgumentException("auth.keys: not an RSA private key in PKCS#8 PEM: " + e.getMessage(), e);
        }
    }

    private static SigningKey generate(Optional<String> kid) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(2048);
            KeyPair pair = generator.generateKeyPair();
            return key((RSAPrivateKey) pair.getPrivate(), (RSAPublicKey) pair.getPublic(), kid);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static SigningKey key(RSAPrivateKey privateKey, RSAPublicKey publicKey, Optional<String> kid) {
        return new SigningKey(kid.orElseGet(() -> thumbprint(publicKey)), privateKey, publicKey);
    }

    /** RFC 7638: SHA-256 of the required members in lexicographic order, base64url. */
    static String thumbprint(RSAPublicKey key) {
        String canonical = "{\"e\":\"" + base64Url(key.getPublicExponent()) + "\",\"kty\":\"RSA\",\"n\":\""
                + base64Url(key.getModulus()) + "\"}";
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    // JWK integers are unsigned big-endian: drop BigInteger's sign byte
    private static String base64Url(BigInteger value) {
        byte[] bytes = value.toByteArray();
        if (bytes.length > 1 && bytes[0] == 0) {
            bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
        }
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    private static String read(String path) {
        try {
            return Files.readString(Path.of(path));
        } catch (IOException e) {
            throw new UncheckedIOException("auth.keys.private-pem-path: cannot read " + path, e);
        }
    }
}
