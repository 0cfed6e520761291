package dev.kedai.auth;

import dev.kedai.platform.http.Json;
import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/** {@code /auth}: the public signing keys. Register, login, refresh and logout come with issue 3. */
public final class AuthHttp implements HttpService {

    private final SigningKeys keys;

    public AuthHttp(SigningKeys keys) {
        this.keys = keys;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/jwks", this::jwks);
    }

    private void jwks(ServerRequest req, ServerResponse res) {
        // verifiers re-fetch on an unknown kid anyway, so a short cache is safe during rotation
        res.header(HeaderNames.CACHE_CONTROL, "public, max-age=300");
        Json.send(res, keys.jwks());
    }
}
