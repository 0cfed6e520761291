package dev.kedai.auth;

import java.time.Clock;
import java.time.Duration;

import dev.kedai.platform.events.Outbox;
import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.server.Backbone;
import dev.kedai.platform.server.KedaiConfig;
import dev.kedai.platform.server.KedaiServer;
import io.helidon.config.Config;

/** The auth service: credentials, roles, sessions and the keys that sign access tokens. */
public final class Main {

    private Main() {
    }

    public static void main(String[] args) {
        start(KedaiConfig.load());
    }

    /**
     * Migrates the schema, bootstraps the admin account, then starts HTTP, admin and gRPC as
     * configured; tests call this too. A server that fails to start closes every {@code onStop}
     * resource itself.
     */
    public static KedaiServer start(Config config) {
        // a bad key or Argon2 setting fails the start before anything is opened
        SigningKeys keys = SigningKeys.create(config);
        PasswordHasher hasher = PasswordHasher.create(config);
        AccessTokens tokens = AccessTokens.create(keys, config);
        ClientAddress clientAddress = ClientAddress.create(config);
        CommonPasswords commonPasswords = CommonPasswords.load();
        Backbone base = Backbone.start(config);
        AuthStore store = new AuthStore(base.db(), base.transactions(), new Outbox("kedai-auth"),
                config.get("auth.refresh-token-ttl").as(Duration.class).orElse(Duration.ofDays(14)), Clock.systemUTC());
        Accounts accounts = new Accounts(store, hasher, tokens, LoginThrottle.create(base.redis(), config), base.denyList());
        // auth checks its own tokens with its own keys, not through its JWKS over HTTP
        Authentication authentication = new Authentication(tokens.verifier(), base.denyList());
        SessionPurge purge = SessionPurge.create(base.backgroundDb(), config);
        try {
            AdminBootstrap.run(config, accounts, store);
        } catch (RuntimeException e) {
            base.close();
            throw e;
        }
        KedaiServer server = base.server("auth")
                .filter(authentication)
                .routing(rules -> rules.register("/auth", new AuthHttp(keys, accounts, clientAddress, commonPasswords)))
                .grpc(AuthGrpc.CALLERS, new AuthGrpc(authentication))
                .onStop(purge)
                .build()
                .start();
        // only after a successful start: a failed one leaves nothing scheduled
        purge.start();
        return server;
    }
}
