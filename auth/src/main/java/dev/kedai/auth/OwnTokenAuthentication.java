package dev.kedai.auth;

import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.security.Caller;
import dev.kedai.platform.security.DenyList;
import dev.kedai.platform.security.UnauthorizedException;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;

/**
 * The platform {@link Authentication} filter's contract, with auth's own keys instead of a JWKS
 * fetch: a request with a bearer token is verified ({@link AccessTokens}) and deny-list-checked,
 * and its {@link Caller} registered so {@link Authentication#caller} works in handlers; a bad or
 * revoked token is a 401; no header passes through anonymous.
 */
public final class OwnTokenAuthentication implements Filter {

    private static final String BEARER = "bearer ";

    private final AccessTokens tokens;
    private final DenyList denyList;

    public OwnTokenAuthentication(AccessTokens tokens, DenyList denyList) {
        this.tokens = tokens;
        this.denyList = denyList;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        req.headers().first(HeaderNames.AUTHORIZATION).ifPresent(header -> {
            if (header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
                throw new UnauthorizedException("Authorization is not a bearer token");
            }
            req.context().register(verify(header.substring(BEARER.length()).trim()));
        });
        chain.proceed();
    }

    /** The caller of a valid, unrevoked token; {@link UnauthorizedException} otherwise. */
    public Caller verify(String token) {
        Caller caller = tokens.verify(token);
        if (denyList.isRevoked(caller)) {
            throw new UnauthorizedException("token revoked");
        }
        return caller;
    }
}
