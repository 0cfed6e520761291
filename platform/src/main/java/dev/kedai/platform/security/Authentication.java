package dev.kedai.platform.security;

import java.util.Optional;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;

/**
 * Bearer-token authentication for Helidon SE routing.
 *
 * <p>As a {@link Filter} ({@code routing.addFilter(authentication)}): a request that carries
 * {@code Authorization: Bearer ...} is verified and deny-list-checked, and its {@link Caller}
 * put in the request context; a bad or revoked token is a 401 even on a public route; a
 * request without the header passes through anonymous. Handlers then call
 * {@link #caller(ServerRequest)} (401 when anonymous) or
 * {@link #requireRole(ServerRequest, String)} (401/403).
 *
 * <p>Without the filter, wrap handlers: {@link #authenticated(Handler)},
 * {@link #withRole(String, Handler)}.
 *
 * <p>Failures are thrown as {@link UnauthorizedException} / {@link ForbiddenException}
 * (and {@link KeysUnavailableException}); the service's error mapper turns them into
 * problem+json 401 / 403 (/ 503).
 */
public final class Authentication implements Filter {

    private static final String BEARER = "bearer ";

    private final JwtVerifier verifier;
    private final DenyList denyList;

    public Authentication(JwtVerifier verifier, DenyList denyList) {
        this.verifier = verifier;
        this.denyList = denyList;
    }

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        if (req.headers().contains(HeaderNames.AUTHORIZATION)) {
            authenticate(req);
        }
        chain.proceed();
    }

    /** Verifies the request's bearer token (once per request) and stores its caller in the context. */
    public Caller authenticate(ServerRequest req) {
        Optional<Caller> known = req.context().get(Caller.class);
        if (known.isPresent()) {
            return known.get();
        }
        String header = req.headers().first(HeaderNames.AUTHORIZATION)
                .orElseThrow(() -> new UnauthorizedException("missing bearer token"));
        if (header.length() <= BEARER.length() || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new UnauthorizedException("Authorization is not a bearer token");
        }
        Caller caller = verify(header.substring(BEARER.length()).trim());
        req.context().register(caller);
        return caller;
    }

    /** The caller of a valid, unrevoked token (e.g. one handed over by gRPC); 401 otherwise. */
    public Caller verify(String token) {
        Caller caller = verifier.verify(token);
        if (denyList.isRevoked(caller)) {
            throw new UnauthorizedException("token revoked");
        }
        return caller;
    }

    /** Wraps a handler that needs a signed-in user. */
    public Handler authenticated(Handler handler) {
        return (req, res) -> {
            authenticate(req);
            handler.handle(req, res);
        };
    }

    /** Wraps a handler that needs a signed-in user with {@code role}. */
    public Handler withRole(String role, Handler handler) {
        return (req, res) -> {
            Caller caller = authenticate(req);
            if (!caller.hasRole(role)) {
                throw new ForbiddenException("requires role " + role);
            }
            handler.handle(req, res);
        };
    }

    /** The authenticated caller (put there by the filter or a wrapper); 401 if anonymous. */
    public static Caller caller(ServerRequest req) {
        return req.context().get(Caller.class)
                .orElseThrow(() -> new UnauthorizedException("missing bearer token"));
    }

    /** The caller if it has {@code role}: 401 when anonymous, 403 when the role is missing. */
    public static Caller requireRole(ServerRequest req, String role) {
        Caller caller = caller(req);
        if (!caller.hasRole(role)) {
            throw new ForbiddenException("requires role " + role);
        }
        return caller;
    }
}
