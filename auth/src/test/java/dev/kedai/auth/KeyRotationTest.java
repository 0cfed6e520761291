package dev.kedai.auth;

import java.net.http.HttpRequest;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.infra.DbAccount;
import dev.kedai.infra.TestInfra;
import dev.kedai.platform.security.TestTokens;
import dev.kedai.platform.server.KedaiServer;
import dev.kedai.platform.testing.TestHttp;
import dev.kedai.platform.testing.TestServiceConfig;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.testing.TestHttp.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Keys from configuration, rotation (previous keys still verify and are published), and the
 * admin bootstrap run again by a second start on the same database.
 */
class KeyRotationTest {

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        return generator.generateKeyPair();
    }

    @Test
    void tokensOfThePreviousKeyStillWorkAfterARotationAndTheAdminIsBootstrappedOnce() throws Exception {
        KeyPair oldKey = rsa();
        KeyPair newKey = rsa();
        DbAccount db = TestInfra.newDatabase("auth_rotation");
        try (TestTokens tokens = TestTokens.start()) {
            Map<String, String> admin = Map.of("auth.admin.email", "Boss@Kedai.test", "auth.admin.password", "boss-password");
            String oldAccess;
            String oldRefresh;
            try (KedaiServer before = Main.start(TestServiceConfig.of(db, tokens, merge(admin, Map.of(
                    "auth.keys.private-pem", pem("PRIVATE KEY", oldKey.getPrivate().getEncoded()),
                    "auth.keys.kid", "k-old"))))) {
                TestHttp http = new TestHttp(before.port());
                assertThat(json(http.get("/auth/jwks")).get("keys").findValuesAsText("kid")).containsExactly("k-old");
                JsonNode pair = json(AuthServiceTest.post(http, "/auth/login",
                        Map.of("email", "boss@kedai.test", "password", "boss-password")));
                oldAccess = pair.get("access_token").asText();
                oldRefresh = pair.get("refresh_token").asText();
                assertThat(AuthServiceTest.header(oldAccess).get("kid").asText()).isEqualTo("k-old");
            }
            // rotation: a new current key, the old one listed as previous (by its public half); the same admin config
            try (KedaiServer after = Main.start(TestServiceConfig.of(db, tokens, merge(admin, Map.of(
                    "auth.keys.private-pem", pem("PRIVATE KEY", newKey.getPrivate().getEncoded()),
                    "auth.keys.kid", "k-new",
                    "auth.keys.previous.0.kid", "k-old",
                    "auth.keys.previous.0.public-pem", pem("PUBLIC KEY", oldKey.getPublic().getEncoded())))))) {
                TestHttp http = new TestHttp(after.port());
                JsonNode keys = json(http.get("/auth/jwks")).get("keys");
                assertThat(keys.findValuesAsText("kid")).containsExactly("k-new", "k-old");
                assertThat(keys.toString()).doesNotContain("\"d\"", "\"p\"", "\"q\"");
                // the refresh token of before the rotation still works and yields a token of the new key
                JsonNode refreshed = json(AuthServiceTest.post(http, "/auth/refresh", Map.of("refresh_token", oldRefresh)));
                assertThat(AuthServiceTest.header(refreshed.get("access_token").asText()).get("kid").asText()).isEqualTo("k-new");
                // an access token signed with the old key is still accepted (logout needs a valid token)
                var out = http.send(HttpRequest.newBuilder(http.uri("/auth/logout")).POST(HttpRequest.BodyPublishers.noBody()),
                                    "Authorization", "Bearer " + oldAccess);
                assertThat(out.statusCode()).as(out.body()).isEqualTo(204);
                // the second start did not create a second admin, and the password is the first one
                JsonNode admin2 = json(AuthServiceTest.post(http, "/auth/login",
                        Map.of("email", "boss@kedai.test", "password", "boss-password")));
                assertThat(AuthServiceTest.claims(admin2.get("access_token").asText()).get("groups").toString())
                        .isEqualTo("[\"admin\"]");
            }
            try (var c = java.sql.DriverManager.getConnection(db.url(), db.user(), db.password());
                 var rs = c.createStatement().executeQuery("SELECT COUNT(*) FROM credentials WHERE role = 'admin'")) {
                rs.next();
                assertThat(rs.getInt(1)).isEqualTo(1);
            }
        }
    }

    @Test
    void anAdminEmailWithoutAPasswordRefusesToStart() {
        try (TestTokens tokens = TestTokens.start()) {
            assertThatThrownBy(() -> Main.start(TestServiceConfig.of(TestInfra.newDatabase("auth_noadmin"), tokens,
                    Map.of("auth.admin.email", "a@kedai.test"))))
                    .hasMessageContaining("KEDAI_ADMIN_PASSWORD");
        }
    }

    private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
        var m = new java.util.HashMap<>(a);
        m.putAll(b);
        return m;
    }
}
