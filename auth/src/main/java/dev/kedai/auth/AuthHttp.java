package dev.kedai.auth;

import dev.kedai.platform.http.Field;
import dev.kedai.platform.http.Fields;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.Problem;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.http.Problems;
import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.security.UnauthorizedException;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import static dev.kedai.platform.http.Field.field;

/** {@code /auth}: register, login, refresh, logout and the public signing keys (API.md, auth). */
public final class AuthHttp implements HttpService {

    // names: printable, not only spaces; any script (unicode round-trips)
    static final Field NAME = field("name").string(1, 100)
            .must(v -> !v.asText().isBlank() && v.asText().codePoints().noneMatch(Character::isISOControl),
                  "must not be blank or contain control characters");
    // login does not re-check the password rules: a wrong password is a 401 like any other
    private static final Fields LOGIN = Fields.of(
            field("email").string(1, 254).required(),
            field("password").string(1, 1024).required());
    private static final Fields REFRESH = Fields.of(field("refresh_token").string(1, 200).required());

    record Register(String email, String password, String name) {
    }

    record Login(String email, String password) {
    }

    record Refresh(String refreshToken) {
    }

    record Registered(String userId, String email) {
    }

    private final SigningKeys keys;
    private final Accounts accounts;
    private final ClientAddress clientAddress;
    private final Fields register;

    public AuthHttp(SigningKeys keys, Accounts accounts, ClientAddress clientAddress, CommonPasswords common) {
        this.keys = keys;
        this.accounts = accounts;
        this.clientAddress = clientAddress;
        this.register = Fields.of(
                field("email").email().required(),
                field("password").string(8, 128)
                        .must(v -> !common.contains(v.asText()), "is one of the most commonly used passwords; choose another")
                        .required(),
                NAME.required());
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/jwks", this::jwks)
                .post("/register", this::register)
                .post("/login", this::login)
                .post("/refresh", this::refresh)
                .post("/logout", this::logout);
    }

    private void jwks(ServerRequest req, ServerResponse res) {
        // verifiers re-fetch on an unknown kid anyway, so a short cache is safe during rotation
        res.header(HeaderNames.CACHE_CONTROL, "public, max-age=300");
        Json.send(res, keys.jwks());
    }

    private void register(ServerRequest req, ServerResponse res) {
        Register r = register.read(req, Register.class);
        String userId = accounts.register(r.email(), r.password(), r.name(), Accounts.CUSTOMER)
                .orElseThrow(() -> ProblemException.conflict("this email is already registered"));
        Json.send(res, Status.CREATED_201, new Registered(userId, Accounts.normalize(r.email())));
    }

    private void login(ServerRequest req, ServerResponse res) {
        Login l = LOGIN.read(req, Login.class);
        switch (accounts.login(l.email(), l.password(), clientAddress.of(req))) {
            case Accounts.LoginResult.SignedIn in -> Json.send(res, in.tokens());
            case Accounts.LoginResult.BadCredentials bad -> throw new UnauthorizedException("wrong email or password");
            case Accounts.LoginResult.Throttled t -> {
                long seconds = Math.max(1, (t.retryAfter().toMillis() + 999) / 1000);
                res.header(HeaderNames.RETRY_AFTER, Long.toString(seconds));
                Problems.send(res, Problem.of(429, "too many failed logins; try again in " + seconds + " s"));
            }
        }
    }

    private void refresh(ServerRequest req, ServerResponse res) {
        Refresh r = REFRESH.read(req, Refresh.class);
        Json.send(res, accounts.refresh(r.refreshToken())
                .orElseThrow(() -> new UnauthorizedException("refresh token invalid, expired or already used")));
    }

    private void logout(ServerRequest req, ServerResponse res) {
        if (req.content().hasEntity()) {
            // no body is expected; read it so the connection stays usable
            req.content().consume();
        }
        accounts.logout(Authentication.caller(req));
        res.status(Status.NO_CONTENT_204).send();
    }
}
