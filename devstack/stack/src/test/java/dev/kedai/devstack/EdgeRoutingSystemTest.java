package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The route table of docs/edge.md (DESIGN §1), written down here row by row — not derived from
 * kong-ingress/ or the edge's router, so a wrong Ingress fails it — sent through the dev edge to
 * the running services: each row names who must answer (a service's X-Kedai-Service, or the edge
 * itself) and with which status. Writes carry an empty object, so each is refused (400/403/404/405)
 * and nothing changes.
 */
@ExtendWith(StackFixture.class)
class EdgeRoutingSystemTest {
    static final String EDGE = "edge";
    static final String NOBODY = UUID.randomUUID().toString();

    static EdgeClient anonymous;
    static EdgeClient customer;
    static EdgeClient leaving;

    @BeforeAll
    static void customers(Stack stack) {
        anonymous = new EdgeClient(stack, "127.0.0.31");
        customer = anonymous.newCustomer("Router");
        leaving = anonymous.newCustomer("Leaver");
    }

    /** who (anonymous, customer), method, path, body, answered by, status. */
    static Stream<Arguments> rows() {
        return Stream.of(
                // Exact stock paths beat cartorder's /cart and /order prefixes
                row("customer", "POST", "/cart/add", "{}", "stock", 400),
                row("customer", "POST", "/cart/fallback", "{}", "stock", 400),
                row("customer", "POST", "/order/process_stock", "{}", "stock", 403),
                row("anonymous", "POST", "/cart/add", "{}", EDGE, 401),
                // ...exactly: a longer path is cartorder's
                row("customer", "POST", "/cart/add/more", "{}", "cartorder", 404),
                row("customer", "GET", "/cart/additional", null, "cartorder", 404),
                // /stock: public reads, admin writes
                row("anonymous", "GET", "/stock", null, "stock", 200),
                row("anonymous", "GET", "/stock/" + NOBODY, null, "stock", 404),
                row("customer", "POST", "/stock/update", "{}", "stock", 403),
                row("anonymous", "POST", "/stock/update", "{}", EDGE, 401),
                // /cart, /order: cartorder, with a token
                row("customer", "GET", "/cart", null, "cartorder", 200),
                row("customer", "DELETE", "/cart/" + NOBODY, null, "cartorder", 404),
                row("customer", "GET", "/order", null, "cartorder", 200),
                row("customer", "GET", "/order/" + NOBODY, null, "cartorder", 404),
                row("customer", "POST", "/order", "{}", "cartorder", 400),
                row("anonymous", "GET", "/order", null, EDGE, 401),
                // /auth: public, logout needs a token
                row("anonymous", "GET", "/auth/jwks", null, "auth", 200),
                row("anonymous", "POST", "/auth/refresh", "{}", "auth", 400),
                row("anonymous", "POST", "/auth/login", "{}", "auth", 400),
                row("anonymous", "POST", "/auth/register", "{}", "auth", 400),
                row("anonymous", "POST", "/auth/logout", null, EDGE, 401),
                // issue 14: another spelling of login is login (the edge normalises as Kong does) or a 400
                // from auth, never login under the /auth prefix's looser limit
                row("anonymous", "POST", "/auth/%6cogin", "{}", "auth", 400),
                row("anonymous", "POST", "/auth/login;x", "{}", "auth", 400),
                // a parameter on the prefix itself is no path under it, for Kong as for the edge
                row("customer", "GET", "/cart;x", null, EDGE, 404),
                // /users: user, with a token
                row("customer", "GET", "/users", null, "user", 403),
                row("anonymous", "GET", "/users/me", null, EDGE, 401),
                // catalog: public reads, admin writes
                row("anonymous", "GET", "/products", null, "product", 200),
                row("anonymous", "GET", "/products/" + NOBODY, null, "product", 404),
                row("anonymous", "GET", "/categories", null, "product", 200),
                row("customer", "POST", "/products", "{}", "product", 403),
                row("customer", "DELETE", "/products/" + NOBODY, null, "product", 403),
                row("anonymous", "POST", "/products", "{}", EDGE, 401),
                // nothing else is routed, the admin ports' paths least of all
                row("anonymous", "GET", "/observe/metrics", null, EDGE, 404),
                row("anonymous", "GET", "/observe/health/ready", null, EDGE, 404),
                row("anonymous", "GET", "/openapi", null, EDGE, 404),
                row("customer", "POST", "/categories", "{}", EDGE, 404),
                row("anonymous", "GET", "/nowhere", null, EDGE, 404));
    }

    static Arguments row(String who, String method, String path, String body, String answeredBy, int status) {
        return Arguments.of(who, method, path, body, answeredBy, status);
    }

    @ParameterizedTest(name = "{0} {1} {2} -> {4} {5}")
    @MethodSource("rows")
    void theRouteTableOfTheDocs(String who, String method, String path, String body, String answeredBy, int status) {
        EdgeClient client = who.equals("customer") ? customer : anonymous;
        EdgeClient.Answer answer = client.method(method, path, body);

        assertThat(answer.status()).as("%s %s answered %s", method, path, answer.raw().body()).isEqualTo(status);
        if (answeredBy.equals(EDGE)) {
            assertThat(answer.service()).as("answered by the edge itself").isEmpty();
            assertThat(answer.json().has("message")).as(answer.raw().body()).isTrue();
        } else {
            assertThat(answer.service()).as("%s %s answered %s", method, path, answer.raw().body()).hasValue(answeredBy);
        }
        assertThat(answer.header("X-Request-ID")).isPresent();
    }

    @Test
    void logoutIsAuths() {
        EdgeClient.Answer answer = leaving.method("POST", "/auth/logout", null);

        assertThat(answer.status()).as(answer.raw().body()).isEqualTo(204);
        assertThat(answer.service()).hasValue("auth");
    }

    @Test
    void anUnknownPathIsAnsweredByTheEdgeItself() {
        EdgeClient.Answer answer = anonymous.get("/observe/metrics");

        assertThat(answer.status()).isEqualTo(404);
        assertThat(answer.service()).isEmpty();
        assertThat(answer.json().path("message").asText()).isEqualTo("no Route matched with those values");
        assertThat(answer.json().path("request_id").asText()).isEqualTo(answer.header("X-Request-ID").orElseThrow());
    }
}
