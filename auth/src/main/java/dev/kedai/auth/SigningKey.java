package dev.kedai.auth;

import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;

/** An RS256 key pair and the {@code kid} tokens signed with it carry. */
public record SigningKey(String kid, RSAPrivateKey privateKey, RSAPublicKey publicKey) {

    @Override
    public String toString() {
        return "SigningKey[kid=" + kid + "]";   // never the private key in logs
    }
}
