package dev.kedai.devstack.edge;

import java.net.URI;
import java.util.Optional;

/**
 * One instance behind a Kubernetes Service, as Kong sees a target of its upstream.
 *
 * @param uri   the instance's {@code http} port, e.g. {@code http://127.0.0.1:8002}
 * @param ready its readiness probe (the admin port's {@code /observe/health/ready}); the edge
 *              polls it and sends nothing to an instance that does not answer 200 (Kong's active
 *              health check; in a cluster the endpoints of a pod that is not ready are removed)
 */
public record UpstreamTarget(URI uri, Optional<URI> ready) {

    /** An instance that is not probed: only a refused connection takes it out. */
    public static UpstreamTarget unprobed(URI uri) {
        return new UpstreamTarget(uri, Optional.empty());
    }
}
