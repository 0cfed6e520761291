package dev.kedai.auth;

/**
 * The answer of login and refresh: {@code {access_token, refresh_token, token_type, expires_in}}.
 *
 * @param expiresIn seconds until the access token expires
 */
public record TokenPair(String accessToken, String refreshToken, String tokenType, long expiresIn) {
}
