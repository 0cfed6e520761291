package dev.kedai.devstack.edge;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.http.Header;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.io.entity.ByteArrayEntity;
import org.apache.hc.core5.http.io.entity.InputStreamEntity;
import org.apache.hc.core5.http.message.BasicClassicHttpRequest;

/**
 * The dev edge's one handler: picks the Kong route, runs the route's plugins in Kong's order,
 * and proxies to the Service's HTTP port over pooled keep-alive connections
 * ({@link UpstreamClient}), streaming both bodies (a request body is read first when the
 * Service has more than one instance, so it can be sent again to the next one when the first
 * refuses the connection). Every request ends with one access-log line.
 */
final class EdgeProxy implements Handler {
    static final String NO_ROUTE = "no Route matched with those values";
    private static final String BAD_GATEWAY = "An invalid response was received from the upstream server";

    /** RFC 9110 hop-by-hop headers, plus those the edge sets itself. */
    private static final Set<String> NOT_FORWARDED = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "transfer-encoding", "upgrade", "proxy-authorization", "proxy-authenticate", "host",
            "content-length", "expect");
    private static final Set<String> NOT_RETURNED = Set.of("connection", "keep-alive", "proxy-connection", "te",
            "trailer", "transfer-encoding", "upgrade", "proxy-authenticate");
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Methods nginx (so Kong) passes to the next instance after an error mid-request: RFC 9110's idempotent ones. */
    private static final Set<String> IDEMPOTENT = Set.of("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE");
    // made once: HeaderNames.create on every request was a visible share of the edge's CPU (issue 16)
    private static final HeaderName TRACEPARENT = HeaderNames.create("traceparent");
    private static final HeaderName TRACESTATE = HeaderNames.create("tracestate");
    private static final HeaderName X_FORWARDED_PATH = HeaderNames.create("X-Forwarded-Path");
    private static final HeaderName X_REAL_IP = HeaderNames.create("X-Real-IP");
    private static final HeaderName X_CONSUMER_USERNAME = HeaderNames.create("X-Consumer-Username");
    private static final HeaderName X_CREDENTIAL_IDENTIFIER = HeaderNames.create("X-Credential-Identifier");
    private static final HeaderName UPSTREAM_LATENCY = HeaderNames.create("X-Kong-Upstream-Latency");
    private static final HeaderName PROXY_LATENCY = HeaderNames.create("X-Kong-Proxy-Latency");
    private static final Header VIA = HeaderValues.createCached(HeaderNames.VIA, "1.1 kedai-dev-edge");
    /** An answer with a Content-Length up to this is relayed as one array; a longer or chunked one is streamed. */
    private static final int WHOLE_BODY_BYTES = 256 * 1024;

    private final KongRouter router;
    private final Map<String, RoutePlugins> pluginsByIngress;
    private final RoutePlugins globalPlugins;
    private final Map<Backend, Upstream> upstreams;
    private final UpstreamClient client;
    private final AccessLog accessLog;
    private final EdgeTrace trace;

    EdgeProxy(KongRouter router, Map<String, RoutePlugins> pluginsByIngress, RoutePlugins globalPlugins,
              Map<Backend, Upstream> upstreams, UpstreamClient client, AccessLog accessLog, EdgeTrace trace) {
        this.trace = trace;
        this.router = router;
        this.pluginsByIngress = Map.copyOf(pluginsByIngress);
        this.globalPlugins = globalPlugins;
        this.upstreams = Map.copyOf(upstreams);
        this.client = client;
        this.accessLog = accessLog;
    }

    /** What one request did, for its log line. */
    private static final class Exchange {
        final long start = System.nanoTime();
        String requestId;
        /** The request id's header in lower case when the edge echoes it (then the instance's own copy is not returned). */
        String echoedIdHeader = "";
        EdgeTrace.Span span;
        String route = "-";
        String upstream = "-";
        int status;
        double upstreamMs;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        Exchange ex = new Exchange();
        String method = req.prologue().method().text();
        String path = KongPath.normalize(req.path().absolute().rawPath());
        if (trace.enabled()) {
            // several tracestate headers are one list (W3C), joined as such
            Optional<String> tracestate = req.headers().contains(TRACESTATE)
                    ? Optional.of(req.headers().get(TRACESTATE).values()) : Optional.empty();
            ex.span = trace.begin(req.headers().first(TRACEPARENT), tracestate);
        }
        try {
            proxy(req, res, method, path, ex);
        } finally {
            if (ex.span != null) {
                trace.end(ex.span, method, path, ex.route, ex.status, ex.requestId);
            }
            accessLog.log(new AccessLog.Entry(Instant.now(), ex.requestId, clientIp(req), method, path, ex.status,
                    ex.route, ex.upstream, (System.nanoTime() - ex.start) / 1e6, ex.upstreamMs));
        }
    }

    private void proxy(ServerRequest req, ServerResponse res, String method, String path, Exchange ex) {
        Optional<KongRoute> match = router.route(method, req.headers().first(HeaderNames.HOST).orElse(null), path);
        RoutePlugins plugins = match.map(r -> pluginsByIngress.get(r.ingress())).orElse(globalPlugins);
        CorrelationId correlation = plugins.correlationId();
        HeaderName idHeader = correlation.header();
        ex.requestId = correlation.idFor(req.headers().first(idHeader));
        if (correlation.echoDownstream()) {
            res.header(idHeader, ex.requestId);
            ex.echoedIdHeader = idHeader.lowerCase();
        }
        if (match.isEmpty()) {
            answer(res, EdgeAnswer.error(404, NO_ROUTE, ex.requestId, Map.of()), Map.of(), ex);
            return;
        }
        KongRoute route = match.get();
        ex.route = route.ingress();
        Map<String, String> extra = new LinkedHashMap<>();

        Optional<String> origin = req.headers().first(HeaderNames.ORIGIN);
        boolean preflight = CorsPlugin.isPreflight(method,
                req.headers().first(HeaderNames.ACCESS_CONTROL_REQUEST_METHOD));
        if (plugins.cors().isPresent()) {
            CorsPlugin cors = plugins.cors().get();
            if (preflight) {
                Optional<EdgeAnswer> answer = cors.preflight(origin,
                        req.headers().first(HeaderNames.ACCESS_CONTROL_REQUEST_HEADERS));
                if (answer.isPresent()) {
                    answer(res, answer.get(), Map.of(), ex);
                    return;
                }
            } else {
                extra.putAll(cors.responseHeaders(origin));
            }
        }

        Optional<JwtPlugin.Accepted> consumer = Optional.empty();
        if (plugins.jwt().isPresent() && !(preflight && !plugins.jwt().get().runsOnPreflight())) {
            JwtPlugin.Outcome outcome = plugins.jwt().get().check(
                    name -> req.headers().first(HeaderNames.create(name)),
                    name -> req.query().first(name).asOptional());
            if (outcome.rejected().isPresent()) {
                answer(res, outcome.rejected().get(), extra, ex);
                return;
            }
            consumer = outcome.accepted();
        }

        boolean hasBody = req.content().hasEntity();
        OptionalLong contentLength = req.headers().contentLength();
        byte[] bufferedBody = null;
        if (plugins.requestSize().isPresent()) {
            RequestSizeLimit limit = plugins.requestSize().get();
            if (contentLength.isPresent() && contentLength.getAsLong() > limit.allowedBytes()) {
                answer(res, limit.tooLarge(ex.requestId), extra, ex);
                return;
            }
            if (hasBody && contentLength.isEmpty()) {
                if (limit.requireContentLength()) {
                    answer(res, EdgeAnswer.error(411, "A valid Content-Length header is required", ex.requestId,
                            Map.of()), extra, ex);
                    return;
                }
                // chunked: Kong reads it to count it, so do we (bounded by the limit)
                bufferedBody = readAtMost(req.content().inputStream(), limit.allowedBytes());
                if (bufferedBody == null) {
                    answer(res, limit.tooLarge(ex.requestId), extra, ex);
                    return;
                }
            }
        }

        if (plugins.rateLimit().isPresent()) {
            RateLimitPlugin.Outcome outcome = plugins.rateLimit().get().count(route.ingress(), clientIp(req),
                    consumer.map(JwtPlugin.Accepted::consumer),
                    name -> req.headers().first(HeaderNames.create(name)), route.backend().service(), ex.requestId);
            extra.putAll(outcome.headers());
            if (outcome.rejected().isPresent()) {
                answer(res, outcome.rejected().get(), extra, ex);
                return;
            }
        }

        forward(req, res, method, path, route, consumer, ex, extra, hasBody, contentLength, bufferedBody);
    }

    private void forward(ServerRequest req, ServerResponse res, String method, String path, KongRoute route,
                         Optional<JwtPlugin.Accepted> consumer, Exchange ex, Map<String, String> extra,
                         boolean hasBody, OptionalLong contentLength, byte[] bufferedBody) {
        Upstream balancer = upstreams.get(route.backend());
        ex.upstream = route.backend().service();
        String rawQuery = req.query().rawValue();
        String pathAndQuery = path + (rawQuery.isEmpty() ? "" : "?" + rawQuery);
        byte[] body = bufferedBody;
        if (body == null && hasBody && balancer.targets().size() > 1) {
            // read first, as nginx buffers a request body: it may have to go to a second instance
            body = readAtMost(req.content().inputStream(), Long.MAX_VALUE);
        }
        long proxyStart = System.nanoTime();
        ClassicHttpResponse upstream = null;
        List<Integer> instances = balancer.pick();
        for (int attempt = 0; upstream == null; attempt++) {
            int instance = instances.get(attempt);
            try {
                ClassicHttpRequest request = request(req, method, path, pathAndQuery, route, consumer, ex);
                request.setEntity(entity(req, body, hasBody, contentLength));
                upstream = client.execute(balancer.host(instance), request);
            } catch (IOException | RuntimeException e) {
                boolean refused = connectionRefused(e);
                if (refused) {
                    balancer.failed(instance); // Kong's passive health check
                }
                // the next instance, as Kong's retries: any request whose connection failed, and an
                // idempotent one that broke before its answer (nothing it did can be lost by repeating it)
                boolean retry = refused || IDEMPOTENT.contains(method) && !timedOut(e);
                if (retry && attempt + 1 < instances.size()) {
                    continue;
                }
                ex.upstreamMs = (System.nanoTime() - proxyStart) / 1e6;
                answer(res, upstreamFailure(e, ex.requestId), extra, ex);
                return;
            }
        }
        relay(res, method, path, upstream, extra, ex, proxyStart);
    }

    /** The request to one instance, with the client's headers less the hop-by-hop ones and those Kong adds. */
    private ClassicHttpRequest request(ServerRequest req, String method, String path, String pathAndQuery,
                                       KongRoute route, Optional<JwtPlugin.Accepted> consumer, Exchange ex) {
        // the path as the client sent it (normalised), on the instance the caller passes as the target host
        ClassicHttpRequest up = new BasicClassicHttpRequest(method, pathAndQuery);
        String clientIp = clientIp(req);
        for (Header header : req.headers()) {
            if (!NOT_FORWARDED.contains(header.headerName().lowerCase())) {
                String name = header.name();
                for (String value : header.allValues()) {
                    up.addHeader(name, value);
                }
            }
        }
        up.setHeader(plugins(route).correlationId().header().defaultCase(), ex.requestId);
        if (ex.span != null) {
            up.setHeader(TRACEPARENT.defaultCase(), ex.span.traceparent());
            up.removeHeaders(TRACESTATE.defaultCase());
            if (!ex.span.traceState().isEmpty()) {
                up.setHeader(TRACESTATE.defaultCase(), ex.span.traceState());
            }
        }
        String forwardedFor = req.headers().first(HeaderNames.X_FORWARDED_FOR).map(f -> f + ", " + clientIp)
                .orElse(clientIp);
        up.setHeader(HeaderNames.X_FORWARDED_FOR.defaultCase(), forwardedFor);
        up.setHeader(HeaderNames.X_FORWARDED_PROTO.defaultCase(), "http");
        req.headers().first(HeaderNames.HOST)
                .ifPresent(host -> up.setHeader(HeaderNames.X_FORWARDED_HOST.defaultCase(), host));
        up.setHeader(X_FORWARDED_PATH.defaultCase(), path);
        up.setHeader(X_REAL_IP.defaultCase(), clientIp);
        consumer.ifPresent(c -> {
            up.setHeader(X_CONSUMER_USERNAME.defaultCase(), c.consumer());
            up.setHeader(X_CREDENTIAL_IDENTIFIER.defaultCase(), c.credentialKey());
        });
        return up;
    }

    /**
     * The body to send: the buffered one (it may be sent again), else the client's streamed as it
     * arrives, with its length when it had one (chunked otherwise); none without a body.
     */
    private static HttpEntity entity(ServerRequest req, byte[] body, boolean hasBody, OptionalLong contentLength) {
        if (body != null) {
            return new ByteArrayEntity(body, null);
        }
        if (!hasBody) {
            return null;
        }
        // no content type here: the client's Content-Type header is forwarded as it was
        return new InputStreamEntity(req.content().inputStream(), contentLength.orElse(-1), null);
    }

    /** The instance's answer, streamed back to the client. */
    private static void relay(ServerResponse res, String method, String path, ClassicHttpResponse upstream,
                              Map<String, String> extra,
                              Exchange ex, long proxyStart) {
        try (upstream) {
            int status = upstream.getCode();
            boolean noBody = method.equals("HEAD") || status == 204 || status == 304;
            HttpEntity entity = noBody ? null : upstream.getEntity();
            long length = entity == null ? -1 : entity.getContentLength();
            byte[] whole = null;
            if (length >= 0 && length <= WHOLE_BODY_BYTES) {
                // read whole and sent with the headers in one write: through the output stream a
                // catalog page or a product cost the edge two writes and a buffer copy (issue 19)
                try (InputStream in = entity.getContent()) {
                    whole = in.readNBytes((int) length);
                } catch (IOException e) {
                    whole = null;
                }
                if (whole == null || whole.length < length) {
                    // the instance broke off before its whole body: nothing was sent yet, so Kong's 502
                    ex.upstreamMs = (System.nanoTime() - proxyStart) / 1e6;
                    answer(res, EdgeAnswer.error(502, BAD_GATEWAY, ex.requestId, Map.of()), extra, ex);
                    return;
                }
            }
            ex.upstreamMs = (System.nanoTime() - proxyStart) / 1e6;
            ex.status = status;
            res.status(Status.create(status));
            for (org.apache.hc.core5.http.Header header : upstream.getHeaders()) {
                String name = header.getName();
                String lower = name.toLowerCase(Locale.ROOT);
                // the request id the edge echoes replaces the instance's, as Kong's correlation-id plugin sets it: one value
                if (!NOT_RETURNED.contains(lower) && !lower.equals(ex.echoedIdHeader)) {
                    // add, not set: a header sent twice (Set-Cookie, Vary) goes back twice
                    res.headers().add(HeaderNames.create(name), header.getValue());
                }
            }
            extra.forEach(res::header);
            res.header(UPSTREAM_LATENCY, String.valueOf(Math.round(ex.upstreamMs)));
            res.header(PROXY_LATENCY, String.valueOf((proxyStart - ex.start) / 1_000_000));
            res.header(VIA);
            if (entity == null) {
                if (noBody) {
                    res.headers().remove(HeaderNames.CONTENT_LENGTH);   // the length of a body that does not follow
                }
                res.send();
            } else if (whole != null) {
                res.send(whole);
            } else {
                try (InputStream in = entity.getContent(); OutputStream out = res.outputStream()) {
                    in.transferTo(out);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // the client went away or the upstream broke mid-body: nothing more can be said
            System.getLogger(EdgeProxy.class.getName()).log(System.Logger.Level.DEBUG,
                    "response of " + method + " " + path + " cut short: " + e);
        }
    }

    private RoutePlugins plugins(KongRoute route) {
        return pluginsByIngress.get(route.ingress());
    }

    /** Kong's answers when the upstream cannot be reached (502) or is too slow (504). */
    private static EdgeAnswer upstreamFailure(Exception e, String requestId) {
        if (timedOut(e)) {
            return EdgeAnswer.error(504, "The upstream server is timing out", requestId, Map.of());
        }
        return EdgeAnswer.error(502, BAD_GATEWAY, requestId, Map.of());
    }

    private static boolean connectionRefused(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof ConnectException) {
                return true;
            }
        }
        return false;
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }

    private static void answer(ServerResponse res, EdgeAnswer answer, Map<String, String> extra, Exchange ex) {
        ex.status = answer.status();
        res.status(answer.status());
        extra.forEach(res::header);
        answer.headers().forEach(res::header);
        res.header(VIA);
        if (answer.body().isEmpty()) {
            res.send();
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, "application/json; charset=utf-8");
        try {
            res.send(JSON.writeValueAsBytes(answer.body()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The body if it is at most {@code limit} bytes, else null. */
    private static byte[] readAtMost(InputStream in, long limit) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        try (in) {
            int n;
            while ((n = in.read(buffer)) >= 0) {
                body.write(buffer, 0, n);
                if (body.size() > limit) {
                    return null;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return body.toByteArray();
    }

    private static String clientIp(ServerRequest req) {
        SocketAddress address = req.remotePeer().address();
        return address instanceof InetSocketAddress inet && inet.getAddress() != null
                ? inet.getAddress().getHostAddress() : String.valueOf(address);
    }
}
