package dev.kedai.platform.observe;

import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * Remembers which route template ({@code /stock/{product_id}}) answered a request, for metrics
 * tags that do not explode with ids. Helidon 4.1.7 does not expose the matched pattern
 * ({@code ServerRequest} has no {@code matchingPattern()} in this release), so routes are
 * registered through {@link #wrap(HttpRules)}, which knows each template and tags the request
 * before the handler runs.
 *
 * <p>Routes added with {@code route(HttpRoute)} or a {@code PathMatcher} cannot be seen through;
 * they are reported by the fallback of {@link #of(ServerRequest, int)}.
 */
public final class RouteTemplates {

    /** Template label of requests no route matched (404 from routing): one series, not one per path. */
    public static final String UNMATCHED = "UNMATCHED";
    /** Template label of requests answered by a route registered without a visible template. */
    public static final String UNKNOWN = "UNKNOWN";

    private RouteTemplates() {
    }

    /** Rules that tag every route registered through them with its full template. */
    public static HttpRules wrap(HttpRules rules) {
        return new TemplatedRules(rules, "");
    }

    /**
     * The template of the route that answered {@code req}; {@link #UNMATCHED} for a 404 no route
     * handled, else {@link #UNKNOWN}.
     */
    public static String of(ServerRequest req, int status) {
        return req.context().get(Holder.class).map(h -> h.template).orElse(status == 404 ? UNMATCHED : UNKNOWN);
    }

    /** Sets up the holder a handler writes to; called by the metrics filter before routing. */
    static void prepare(ServerRequest req) {
        req.context().register(new Holder());
    }

    private static final class Holder {
        private volatile String template;
    }

    static String join(String prefix, String path) {
        String joined = path == null || path.isEmpty() || path.equals("/") ? prefix
                : prefix + (path.startsWith("/") ? path : "/" + path);
        return joined.isEmpty() ? "/" : joined;
    }

    private static Handler tagged(String template, Handler handler) {
        return new Handler() {
            @Override
            public void handle(ServerRequest req, ServerResponse res) throws Exception {
                req.context().get(Holder.class).ifPresent(h -> h.template = template);
                handler.handle(req, res);
            }

            @Override
            public void beforeStart() {
                handler.beforeStart();
            }

            @Override
            public void afterStop() {
                handler.afterStop();
            }
        };
    }

    private static HttpService prefixed(String prefix, HttpService service) {
        return new HttpService() {
            @Override
            public void routing(HttpRules rules) {
                service.routing(new TemplatedRules(rules, prefix));
            }

            @Override
            public void beforeStart() {
                service.beforeStart();
            }

            @Override
            public void afterStop() {
                service.afterStop();
            }
        };
    }

    private static HttpService[] prefixed(String prefix, HttpService... services) {
        HttpService[] wrapped = new HttpService[services.length];
        for (int i = 0; i < services.length; i++) {
            wrapped[i] = prefixed(prefix, services[i]);
        }
        return wrapped;
    }

    /** Every HttpRules default that names a path funnels into the overrides below. */
    private record TemplatedRules(HttpRules delegate, String prefix) implements HttpRules {

        @Override
        public HttpRules register(HttpService... services) {
            delegate.register(prefixed(prefix, services));
            return this;
        }

        @Override
        public HttpRules register(String path, HttpService... services) {
            delegate.register(path, prefixed(join(prefix, path), services));
            return this;
        }

        @Override
        public HttpRules route(HttpRoute route) {
            delegate.route(route);
            return this;
        }

        @Override
        public HttpRules route(Method method, String pathPattern, Handler handler) {
            delegate.route(method, pathPattern, tagged(join(prefix, pathPattern), handler));
            return this;
        }

        @Override
        public HttpRules route(Method method, Handler handler) {
            delegate.route(method, tagged(join(prefix, "/*"), handler));
            return this;
        }

        @Override
        public HttpRules any(String pathPattern, Handler... handlers) {
            for (Handler h : handlers) {
                delegate.any(pathPattern, tagged(join(prefix, pathPattern), h));
            }
            return this;
        }

        @Override
        public HttpRules any(Handler... handlers) {
            for (Handler h : handlers) {
                delegate.any(tagged(join(prefix, "/*"), h));
            }
            return this;
        }

        @Override
        public HttpRules route(Method method, String pathPattern, Consumer<ServerRequest> consumer) {
            return route(method, pathPattern, Handler.create(consumer));
        }

        @Override
        public HttpRules route(Method method, String pathPattern, Function<ServerRequest, ?> handler) {
            return route(method, pathPattern, Handler.create(handler));
        }

        @Override
        public HttpRules route(Method method, String pathPattern, Supplier<?> handler) {
            return route(method, pathPattern, Handler.create(handler));
        }
    }
}
