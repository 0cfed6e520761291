package dev.kedai.devstack.edge;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;
import java.time.Duration;

import org.apache.hc.client5.http.config.ConnectionConfig;
import org.apache.hc.client5.http.config.RequestConfig;
import org.apache.hc.client5.http.impl.IdleConnectionEvictor;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManager;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.client5.http.protocol.HttpClientContext;
import org.apache.hc.core5.http.ClassicHttpRequest;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.EndpointDetails;
import org.apache.hc.core5.http.HttpEntity;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.io.CloseMode;
import org.apache.hc.core5.pool.PoolConcurrencyPolicy;
import org.apache.hc.core5.util.TimeValue;
import org.apache.hc.core5.util.Timeout;

/**
 * The edge's client to the services: HTTP/1.1 keep-alive connections pooled per instance, and
 * Apache HttpClient 5's minimal client over them — one exchange on one connection, without the
 * full client's chain of redirects, authentication, cookies, decompression, protocol upgrade and
 * retries, which a proxy does not want and whose auth step parsed every request's URI again (8 %
 * of the edge's CPU on a catalog page, docs/benchmarks.md). The edge's own retry rule is Kong's,
 * in {@link EdgeProxy}; the one retry here is of a request a closed keep-alive connection lost.
 * Helidon 4.1.7's WebClient was used before; it formats a hex dump of every response buffer it
 * reads (20 % of the edge's CPU, issue 16). The minimal client adds a {@code User-Agent} to a
 * request that has none, and {@code Connection: keep-alive}; the services ignore both.
 */
final class UpstreamClient implements AutoCloseable {

    private final CloseableHttpClient client;
    private final IdleConnectionEvictor evictor;
    private final RequestConfig requests;

    /**
     * @param poolSize    connections per instance at most (a request waits up to 5 s for one beyond)
     * @param readTimeout an instance silent for longer fails the request (Kong answers 504)
     */
    UpstreamClient(int poolSize, Duration readTimeout) {
        ConnectionConfig connections = ConnectionConfig.custom()
                .setConnectTimeout(Timeout.ofSeconds(5))
                .setSocketTimeout(Timeout.of(readTimeout))
                // a connection idle this long is checked before reuse: one the service closed meanwhile
                // would otherwise fail the request it is lent to (a 502 for a GET on a single instance)
                .setValidateAfterInactivity(TimeValue.ofSeconds(2))
                .build();
        PoolingHttpClientConnectionManager pool = PoolingHttpClientConnectionManagerBuilder.create()
                .setDefaultConnectionConfig(connections)
                // per-instance pools with less locking than the strict one; no total limit to wait on
                .setPoolConcurrencyPolicy(PoolConcurrencyPolicy.LAX)
                .setMaxConnPerRoute(poolSize)
                .setMaxConnTotal(Integer.MAX_VALUE)
                .build();
        this.requests = RequestConfig.custom()
                .setResponseTimeout(Timeout.of(readTimeout))
                .setConnectionRequestTimeout(Timeout.ofSeconds(5))
                .build();
        this.client = HttpClients.createMinimal(pool);
        this.evictor = new IdleConnectionEvictor(pool, TimeValue.ofSeconds(30));
        evictor.start();
    }

    /**
     * Sends {@code request} to {@code instance}; the answer's body is to be read, then the answer
     * closed (which returns its connection). A request sent on a pooled keep-alive connection that
     * the service had closed meanwhile (it stopped, or closed the idle connection) fails before any
     * answer; it is sent once more on a new connection, whatever its method, since the service
     * never read it — unless its body was streamed and cannot be sent twice. Any other failure,
     * and a failure on a connection's first request, is the caller's (Kong's rules).
     */
    ClassicHttpResponse execute(HttpHost instance, ClassicHttpRequest request) throws IOException {
        HttpClientContext context = context();
        try {
            return client.executeOpen(instance, request, context);
        } catch (IOException e) {
            HttpEntity body = request.getEntity();
            if (lostOnAReusedConnection(e, context) && (body == null || body.isRepeatable())) {
                return client.executeOpen(instance, request, context());
            }
            throw e;
        }
    }

    private HttpClientContext context() {
        HttpClientContext context = HttpClientContext.create();
        context.setRequestConfig(requests);
        return context;
    }

    private static boolean lostOnAReusedConnection(IOException e, HttpClientContext context) {
        if (e instanceof ConnectException || !(e instanceof NoHttpResponseException || e instanceof SocketException)) {
            return false;
        }
        EndpointDetails connection = context.getEndpointDetails();
        return connection != null && connection.getRequestCount() > 1;
    }

    @Override
    public void close() {
        close(CloseMode.GRACEFUL);
    }

    /** {@link CloseMode#IMMEDIATE} drops the connections in use too. */
    void close(CloseMode mode) {
        evictor.shutdown();
        client.close(mode);   // the minimal client closes its pool
    }
}
