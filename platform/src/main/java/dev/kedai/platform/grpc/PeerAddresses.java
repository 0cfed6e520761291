package dev.kedai.platform.grpc;

import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;

/**
 * The instances of a peer given as a list, {@code peers.<name>.grpc: host1:port1,host2:port2}
 * (the devstack's {@code --replicas}): a name resolver for the {@code static:///} scheme that
 * hands every address to the channel's {@code round_robin} balancer, which spreads calls across
 * the instances it is connected to and leaves out one whose connection has failed. In a cluster
 * the same balancer gets every pod of a headless Service from {@code dns:///kedai-stock-pods:7002}.
 */
final class PeerAddresses extends NameResolverProvider {
    static final String SCHEME = "static";

    private static final PeerAddresses PROVIDER = new PeerAddresses();

    static {
        NameResolverRegistry.getDefaultRegistry().register(PROVIDER);
    }

    private PeerAddresses() {
    }

    /**
     * The channel target of a configured address: {@code host:port} and {@code dns:///...} as
     * they are, a comma-separated list as {@code static:///host1:port1,host2:port2}.
     */
    static String target(String configured) {
        String trimmed = configured.replace(" ", "");
        if (!trimmed.contains(",")) {
            return trimmed;
        }
        addresses(trimmed); // fails now, naming the bad entry, rather than on the first call
        return SCHEME + ":///" + trimmed;
    }

    static List<InetSocketAddress> addresses(String list) {
        List<InetSocketAddress> addresses = new ArrayList<>();
        for (String entry : list.split(",")) {
            int colon = entry.lastIndexOf(':');
            if (colon <= 0) {
                throw new IllegalArgumentException("a peer address is host:port, not '" + entry + "' (in " + list + ")");
            }
            try {
                addresses.add(InetSocketAddress.createUnresolved(entry.substring(0, colon),
                        Integer.parseInt(entry.substring(colon + 1))));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("a peer address is host:port, not '" + entry + "' (in " + list + ")", e);
            }
        }
        return addresses;
    }

    @Override
    public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
        if (!SCHEME.equals(targetUri.getScheme())) {
            return null;
        }
        String list = targetUri.getPath().substring(1);
        List<InetSocketAddress> addresses = addresses(list);
        return new NameResolver() {
            @Override
            public String getServiceAuthority() {
                // the certificate's host is checked against the first instance's: they share one name
                InetSocketAddress first = addresses.getFirst();
                return first.getHostString() + ":" + first.getPort();
            }

            @Override
            public void start(Listener2 listener) {
                List<EquivalentAddressGroup> groups = new ArrayList<>();
                for (InetSocketAddress address : addresses) {
                    // resolved here, not at parse time: a name may only resolve once the instance exists
                    InetSocketAddress resolved = new InetSocketAddress(address.getHostString(), address.getPort());
                    if (resolved.isUnresolved()) {
                        listener.onError(Status.UNAVAILABLE.withDescription("cannot resolve " + address.getHostString()));
                        return;
                    }
                    groups.add(new EquivalentAddressGroup(resolved));
                }
                listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).setAttributes(Attributes.EMPTY).build());
            }

            @Override
            public void shutdown() {
            }
        };
    }

    @Override
    public String getDefaultScheme() {
        return SCHEME;
    }

    @Override
    protected boolean isAvailable() {
        return true;
    }

    @Override
    protected int priority() {
        // below dns (5): only ever chosen by its scheme, never as the default for a bare host:port
        return 1;
    }

    @Override
    public Collection<Class<? extends java.net.SocketAddress>> getProducedSocketAddressTypes() {
        return List.of(InetSocketAddress.class);
    }
}
