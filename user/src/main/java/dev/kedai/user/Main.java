package dev.kedai.user;

import dev.kedai.contracts.Topics;
import dev.kedai.platform.events.EventConsumer;
import dev.kedai.platform.server.Backbone;
import dev.kedai.platform.server.KedaiConfig;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.proto.auth.v1.UserRegistered;
import io.helidon.config.Config;

/** The user service: profiles and addresses. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        start(KedaiConfig.load());
    }

    /**
     * Migrates the schema, then starts HTTP, admin and gRPC as configured; tests call this too.
     * The clients made here connect lazily, so only the migration can fail before the server
     * exists, and a server that fails to start closes every {@code onStop} resource itself.
     */
    public static KedaiServer start(Config config) {
        Backbone base = Backbone.start(config);
        UserStore store = new UserStore(base.db(), base.transactions());
        AddressStore addresses = new AddressStore(base.db(), base.transactions());
        EventConsumer registrations = EventConsumer.builder(base.backgroundDb(), config)
                .topics(Topics.AUTH_USER)
                .handler(UserRegistered.getDefaultInstance(), new ProfileCreation())
                .build()
                .start();
        return base.server("user")
                .filter(base.authentication())
                .routing(rules -> rules.register("/users", new UserHttp(store, addresses)))
                .grpc(UserGrpc.CALLERS, new UserGrpc(store, addresses))
                .onStop(registrations)
                .build()
                .start();
    }
}
