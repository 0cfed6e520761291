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
 * start, with a WARNING: tokens then stop verifying when auth restarts. Rotation (several
 * published keys) is issue 3.
 */
public final class SigningKeys {

    private static final System.Logger LOG = System.getLogger(SigningKeys.class.getName());

    private final SigningKey current;

    public SigningKeys(SigningKey current) {
        this.current = current;
    }

    public static SigningKeys create(Config root) {
        Config keys = root.get("auth.keys");
        Optional<String> pem = keys.get("private-pem").asString().asOptional()
                .or(() -> keys.get("private-pem-path").asString().asOptional().map(SigningKeys::read));
        Optional<String> kid = keys.get("kid").asString().asOptional();
        if (pem.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "auth.keys.private-pem is not set: signing with an ephemeral key; "
                    + "tokens will not verify after a restart and replicas will not agree");
            return new SigningKeys(generate(kid));
        }
        return new SigningKeys(fromPem(pem.get(), kid));
    }

    /** The key new tokens are signed with. */
    public SigningKey current() {
        return current;
    }

    /** The published keys as a JWK Set: public members only ({@code kty, use, alg, kid, n, e}). */
    public Map<String, Object> jwks() {
        return Map.of("keys", List.of(publicJwk(current)));
    }

    static Map<String, Object> publicJwk(SigningKey key) {
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
