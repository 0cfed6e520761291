package dev.kedai.user;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.platform.http.Field;
import dev.kedai.platform.http.FieldError;
import dev.kedai.platform.http.Fields;
import dev.kedai.platform.http.Json;
import dev.kedai.platform.http.JsonBody;
import dev.kedai.platform.http.PageRequest;
import dev.kedai.platform.http.ProblemException;
import dev.kedai.platform.http.UuidParam;
import dev.kedai.platform.security.Authentication;
import dev.kedai.platform.security.Caller;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import static dev.kedai.platform.http.Field.field;

/**
 * {@code /users}: a user's own profile and addresses, and the list of all users for admins. The
 * token is verified by the {@link Authentication} filter; these handlers only ask who the caller
 * is. Addresses are always looked up with the caller's id, so another user's address is a 404.
 */
public final class UserHttp implements HttpService {

    static final String ADMIN = "admin";

    private static final Set<String> COUNTRIES = Set.of(Locale.getISOCountries());
    // printable text in any script, not only spaces: unicode names round-trip
    private static final String PRINTABLE = "must not be blank or contain control characters";

    private static Field text(String name, int max) {
        return field(name).string(1, max)
                .must(v -> !v.asText().isBlank() && v.asText().codePoints().noneMatch(Character::isISOControl), PRINTABLE);
    }

    private static final Fields PATCH_ME = Fields.of(
            text("name", 100),
            // E.164: +, country code, subscriber number; 8 to 15 digits in all
            field("phone").pattern("\\+[1-9][0-9]{7,14}", "an international number such as +6281234567890"));

    private static final Fields NEW_ADDRESS = Fields.of(
            text("label", 40).required(),
            text("recipient", 100).required(),
            text("line1", 200).required(),
            text("city", 100).required(),
            field("postal_code").pattern("[A-Za-z0-9][A-Za-z0-9 -]{1,8}[A-Za-z0-9]",
                                         "3 to 10 letters, digits, spaces or dashes").required(),
            field("country").must(v -> v.isTextual() && COUNTRIES.contains(v.asText()),
                                  "must be an ISO 3166-1 alpha-2 code in capitals, such as ID").required());

    record NewAddress(String label, String recipient, String line1, String city, String postalCode, String country) {
    }

    private final UserStore store;
    private final AddressStore addresses;

    public UserHttp(UserStore store, AddressStore addresses) {
        this.store = store;
        this.addresses = addresses;
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/me", this::me)
                .patch("/me", this::patchMe)
                .get("/me/addresses", this::listAddresses)
                .post("/me/addresses", this::addAddress)
                .get("/me/addresses/{address_id}", this::oneAddress)
                .delete("/me/addresses/{address_id}", this::deleteAddress)
                .get("/", this::list)
                .get("/{user_id}", this::one);
    }

    private void me(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        // the profile is made from auth's event, so right after register it may not exist yet
        Json.send(res, store.profile(caller.userId())
                .orElseThrow(() -> ProblemException.notFound("no profile yet for this user; try again shortly")));
    }

    private void patchMe(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        JsonNode body = JsonBody.read(req);
        List<FieldError> errors = new ArrayList<>(PATCH_ME.errors(body));
        if (body.isObject() && body.has("name") && body.get("name").isNull()) {
            errors.addFirst(new FieldError("name", "must not be null"));
        }
        if (!errors.isEmpty()) {
            throw ProblemException.validation(errors);
        }
        Optional<String> name = Optional.ofNullable(body.get("name")).filter(n -> !n.isNull()).map(JsonNode::asText);
        // "phone": null removes the phone; no "phone" leaves it
        Optional<Optional<String>> phone = body.has("phone")
                ? Optional.of(Optional.ofNullable(body.get("phone")).filter(p -> !p.isNull()).map(JsonNode::asText))
                : Optional.empty();
        Json.send(res, store.update(caller.userId(), new UserStore.Change(name, phone))
                .orElseThrow(() -> ProblemException.notFound("no profile yet for this user; try again shortly")));
    }

    private void listAddresses(ServerRequest req, ServerResponse res) {
        Json.send(res, Map.of("items", addresses.of(Authentication.caller(req).userId())));
    }

    private void addAddress(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        NewAddress a = NEW_ADDRESS.read(req, NewAddress.class);
        Address added = addresses.add(caller.userId(), new Address(null, a.label(), a.recipient(), a.line1(), a.city(),
                                                                   a.postalCode().toUpperCase(Locale.ROOT), a.country()))
                .orElseThrow(() -> ProblemException.conflict("at most " + AddressStore.MAX_PER_USER + " addresses per user"));
        Json.send(res, Status.CREATED_201, added);
    }

    private void oneAddress(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        String id = UuidParam.parse("address_id", req.path().pathParameters().get("address_id"));
        Json.send(res, addresses.find(caller.userId(), id).orElseThrow(() -> ProblemException.notFound("no address " + id)));
    }

    private void deleteAddress(ServerRequest req, ServerResponse res) {
        Caller caller = Authentication.caller(req);
        String id = UuidParam.parse("address_id", req.path().pathParameters().get("address_id"));
        if (!addresses.delete(caller.userId(), id)) {
            throw ProblemException.notFound("no address " + id);
        }
        res.status(Status.NO_CONTENT_204).send();
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
