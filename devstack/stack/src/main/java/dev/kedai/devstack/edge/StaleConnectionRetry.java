package dev.kedai.devstack.edge;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketException;

import org.apache.hc.client5.http.HttpRequestRetryStrategy;
import org.apache.hc.core5.http.EndpointDetails;
import org.apache.hc.core5.http.HttpRequest;
import org.apache.hc.core5.http.HttpResponse;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.apache.hc.core5.http.protocol.HttpContext;
import org.apache.hc.core5.http.protocol.HttpCoreContext;
import org.apache.hc.core5.util.TimeValue;

/**
 * The one retry inside the edge's upstream client: a request sent on a pooled keep-alive
 * connection that the service had closed meanwhile (it stopped, or closed the idle connection)
 * fails before any answer; it is sent once more on a new connection, whatever its method, since
 * the service never read it. A failure on a connection's first request, and any answer, is left
 * to {@link EdgeProxy} (Kong's rules). A body that cannot be sent twice (streamed) is never retried
 * (the client checks).
 */
final class StaleConnectionRetry implements HttpRequestRetryStrategy {

    @Override
    public boolean retryRequest(HttpRequest request, IOException e, int execCount, HttpContext context) {
        if (execCount > 1 || e instanceof ConnectException
                || !(e instanceof NoHttpResponseException || e instanceof SocketException)) {
            return false;
        }
        EndpointDetails connection = HttpCoreContext.cast(context).getEndpointDetails();
        return connection != null && connection.getRequestCount() > 1;
    }

    @Override
    public boolean retryRequest(HttpResponse response, int execCount, HttpContext context) {
        return false;
    }

    @Override
    public TimeValue getRetryInterval(HttpResponse response, int execCount, HttpContext context) {
        return TimeValue.ZERO_MILLISECONDS;
    }
}
