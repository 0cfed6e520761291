package dev.kedai.platform.observe;

import java.util.Optional;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * The name of the service answering, on every response of its service socket
 * ({@code X-Kedai-Service: stock}): behind the edge a client, an operator or the edge's routing
 * test can tell which service a path reached.
 *
 * @param value the service's name, as given to {@code KedaiServer.builder}
 */
public record ServiceName(String value) {

    public static final HeaderName HEADER = HeaderNames.create("X-Kedai-Service");

    /** The filter; it also leaves the name in the request context for the error handler. */
    public static Filter filter(String name) {
        ServiceName serviceName = new ServiceName(name);
        return (chain, req, res) -> {
            req.context().register(serviceName);
            res.header(HEADER, name);
            chain.proceed();
        };
    }

    /** Puts the header back on a response that was reset (the error handler clears headers). */
    public static void restore(ServerRequest req, ServerResponse res) {
        of(req).ifPresent(name -> res.header(HEADER, name));
    }

    /** The name {@link #filter} recorded for {@code req}. */
    public static Optional<String> of(ServerRequest req) {
        return req.context().get(ServiceName.class).map(ServiceName::value);
    }
}
