package dev.kedai.devstack.edge;

/**
 * Where an Ingress path sends requests: a Kubernetes Service and its port, by name (for Kedai
 * always {@code http}) or number.
 */
public record Backend(String service, String port) {

    @Override
    public String toString() {
        return service + ":" + port;
    }
}
