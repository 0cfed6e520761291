package dev.kedai.platform.http;

import io.helidon.http.Header;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Response headers every answer of a service carries, set once here (API.md, Conventions):
 *
 * <ul>
 * <li>{@code X-Content-Type-Options: nosniff} on every answer, so a browser never runs a JSON
 *     body as script or HTML;</li>
 * <li>{@code Cache-Control: no-store} on every answer except an anonymous {@code GET}/{@code HEAD}:
 *     an answer to a request with {@code Authorization} is personal (a cart, a profile, an order)
 *     and an answer to a write may carry tokens (login, refresh), so no browser or shared cache may
 *     keep it. Anonymous reads (catalog, stock, JWKS) are public; a handler may set its own
 *     {@code Cache-Control} there (the JWKS does).</li>
 * </ul>
 *
 * The error handler clears headers, so {@link #restore} puts them back on error answers, and
 * {@link Problems}' answers made below the routing carry them too.
 */
public final class SecurityHeaders {

    static final Header NOSNIFF = HeaderValues.createCached("X-Content-Type-Options", "nosniff");
    static final Header NO_STORE = HeaderValues.createCached(HeaderNames.CACHE_CONTROL, "no-store");

    private SecurityHeaders() {
    }

    /** The filter, first on the service socket. */
    public static Filter filter() {
        return (chain, req, res) -> {
            restore(req, res);
            chain.proceed();
        };
    }

    /** Sets the headers {@code req}'s answer must carry (also after the error handler reset them). */
    public static void restore(ServerRequest req, ServerResponse res) {
        res.header(NOSNIFF);
        if (!publicRead(req)) {
            res.header(NO_STORE);
        }
    }

    private static boolean publicRead(ServerRequest req) {
        Method method = req.prologue().method();
        return (method == Method.GET || method == Method.HEAD) && !req.headers().contains(HeaderNames.AUTHORIZATION);
    }
}
