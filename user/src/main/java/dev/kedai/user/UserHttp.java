package dev.kedai.user;

import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.PageRequest;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.http.UuidParam;
import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.security.Caller;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

/**
 * {@code /users}: a user's own profile, and the list of all users for admins. The token is
 * verified by the {@link Authentication} filter; these handlers only ask who the caller is.
 * PATCH and addresses come with issue 3.
 */
public final class UserHttp implements HttpService {

    static final String ADMIN = "admin";

    private final UserStore store;

    public UserHttp(UserStore store) {
        this.store = store;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/me", this::me)
                .get("/", this::list)
                .get("/{user_id}", this::one);
    }

    private void me(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        // the profile is made from auth's event, so right after register it may not exist yet
        Json.send(res, store.profile(caller.userId())
                .orElseThrow(() -> ProblemException.notFound("no profile yet for this user; try again shortly")));
    }

    private void list(ServerRequest req, ServerResponse res) {
        Authentication.requireRole(req, ADMIN);
        Json.send(res, store.page(PageRequest.from(req)));
    }

    private void one(ServerRequest req, ServerResponse res) {
        Authentication.requireRole(req, ADMIN);
        String id = UuidParam.parse("user_id", req.path().pathParameters().get("user_id"));
        Json.send(res, store.profile(id).orElseThrow(() -> ProblemException.notFound("no user " + id)));
    }
}
