package dev.kedai.platform.grpc;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How a Kedai service is named in its gRPC certificate: the URI subject alternative name
 * {@code spiffe://kedai/<service>} (e.g. {@code spiffe://kedai/stock}), the SPIFFE form, so the same
 * certificates would also fit a mesh. The service's host names sit beside it as DNS/IP names, for
 * the caller's host name check of the server.
 */
public final class ServiceIdentity {

    /** Prefix of the URI name; the service's name follows it. */
    public static final String URI_PREFIX = "spiffe://kedai/";
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9-]{0,40}");
    private static final int SAN_URI = 6;

    private ServiceIdentity() {
    }

    /** The URI naming {@code service} in its certificate. */
    public static String uri(String service) {
        if (!NAME.matcher(service).matches()) {
            throw new IllegalArgumentException("not a service name: " + service);
        }
        return URI_PREFIX + service;
    }

    /** The service a certificate names, if it names exactly one. */
    public static Optional<String> of(X509Certificate certificate) {
        Collection<List<?>> names;
        try {
            names = certificate.getSubjectAlternativeNames();
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        if (names == null) {
            return Optional.empty();
        }
        List<String> services = names.stream()
                .filter(n -> n.size() == 2 && Integer.valueOf(SAN_URI).equals(n.get(0)))
                .map(n -> String.valueOf(n.get(1)))
                .filter(u -> u.startsWith(URI_PREFIX))
                .map(u -> u.substring(URI_PREFIX.length()))
                .filter(s -> NAME.matcher(s).matches())
                .toList();
        return services.size() == 1 ? Optional.of(services.get(0)) : Optional.empty();
    }
}
