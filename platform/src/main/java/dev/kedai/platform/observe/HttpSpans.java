package dev.kedai.platform.observe;

import java.util.List;
import java.util.Optional;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import io.helidon.webserver.http.ServerRequest;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * One SERVER span per HTTP request, continuing the caller's W3C {@code traceparent} (the edge's),
 * named {@code "GET /stock/{product_id}"} by its route template (semantic conventions: low
 * cardinality names; the path is an attribute). The span is current while the handler runs, so
 * gRPC calls and transactions made there are its children; it ends when the answer is sent, the
 * error handler's answers included, with the final status.
 */
final class HttpSpans {

    private static final TextMapGetter<RoutingRequest> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(RoutingRequest req) {
            return req.headers().stream().map(h -> h.name()).toList();
        }

        @Override
        public String get(RoutingRequest req, String key) {
            HeaderName name = HeaderNames.create(key);
            // a header sent on several lines is one comma-separated list (tracestate may be, W3C)
            return req == null || !req.headers().contains(name) ? null : req.headers().get(name).values();
        }
    };

    static final AttributeKey<List<String>> REQUEST_ID = AttributeKey.stringArrayKey("http.request.header.x-request-id");

    private final Tracing tracing;

    HttpSpans(Tracing tracing) {
        this.tracing = tracing;
    }

    /** The span of {@code req} (set by the filter), for answers written outside it (error handlers). */
    static Optional<Span> of(ServerRequest req) {
        return req.context().get(RequestSpan.class).map(RequestSpan::span);
    }

    Filter filter() {
        return this::filter;
    }

    private record RequestSpan(Span span) {
    }

    private void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        Context parent = tracing.openTelemetry().getPropagators().getTextMapPropagator()
                .extract(Context.root(), req, HEADERS);
        String method = req.prologue().method().text();
        Span span = tracing.tracer().spanBuilder(method)
                .setParent(parent)
                .setSpanKind(SpanKind.SERVER)
                .setAttribute("http.request.method", method)
                .setAttribute("url.path", req.path().rawPath())
                .setAttribute("url.scheme", req.isSecure() ? "https" : "http")
                .setAttribute("server.port", (long) req.localPeer().port())
                .startSpan();
        req.context().register(new RequestSpan(span));
        // ends after the error handler, which runs once this filter has returned
        res.whenSent(() -> end(span, req, res.status().code()));
        try (Scope ignored = parent.with(span).makeCurrent()) {
            chain.proceed();
        } catch (RuntimeException | Error e) {
            span.recordException(e);
            throw e;
        }
    }

    private static void end(Span span, ServerRequest req, int status) {
        String route = RouteTemplates.of(req, status);
        if (!route.equals(RouteTemplates.UNMATCHED) && !route.equals(RouteTemplates.UNKNOWN)) {
            span.setAttribute("http.route", route);
            span.updateName(req.prologue().method().text() + " " + route);
        }
        span.setAttribute("http.response.status_code", (long) status);
        // a captured request header (semantic conventions): `./kedai trace <request id>` finds the trace by it
        RequestId.of(req).ifPresent(id -> span.setAttribute(REQUEST_ID, List.of(id)));
        if (status >= 500) {
            // semantic conventions: a 4xx is the client's error, not the server span's
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }
}
