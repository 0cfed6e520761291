package dev.kedai.platform.http;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import static dev.kedai.platform.http.Field.field;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FieldsTest {

    private static final Fields REGISTER = Fields.of(
            field("email").email().required(),
            field("password").string(8, 128).required(),
            field("name").string(1, 100).required(),
            field("phone").pattern("\\+?[0-9 ]{6,20}", "a phone number"),
            field("category").pattern("[a-z0-9-]{1,40}", "a slug").optional(),
            field("attributes").object());

    private static JsonNode json(String text) throws Exception {
        return Json.mapper().readTree(text);
    }

    @Test
    void validBodyHasNoErrors() throws Exception {
        assertThat(REGISTER.errors(json("""
                {"email":"a@b.co","password":"12345678","name":"Ana","phone":null,
                 "attributes":{"x":1}}"""))).isEmpty();
    }

    @Test
    void collectsEveryProblemInDeclarationOrderThenUnknownFields() throws Exception {
        List<FieldError> errors = REGISTER.errors(json("""
                {"role":"admin","email":"nope","password":"short","phone":"x","category":"Not A Slug",
                 "attributes":[],"user_id":"u"}"""));
        assertThat(errors).extracting(FieldError::field).containsExactly(
                "email", "password", "name", "phone", "category", "attributes", "role", "user_id");
        assertThat(errors).contains(new FieldError("name", "is required"), new FieldError("role", "is not a known field"),
                new FieldError("password", "must be 8 to 128 characters long"));
    }

    @Test
    void integersAreStrict() throws Exception {
        Fields f = Fields.of(field("quantity").integer(1, 99).required(), field("id").uuid().required());
        assertThat(f.errors(json("{\"quantity\":1.5,\"id\":\"0b8e4b6e-52a6-4b5e-9d52-0f6a2b9a1c3d\"}")))
                .containsExactly(new FieldError("quantity", "must be an integer"));
        assertThat(f.errors(json("{\"quantity\":\"2\",\"id\":\"xyz\"}")))
                .containsExactly(new FieldError("quantity", "must be an integer"), new FieldError("id", "must be a UUID"));
        assertThat(f.errors(json("{\"quantity\":100,\"id\":\"0b8e4b6e-52a6-4b5e-9d52-0f6a2b9a1c3d\"}")))
                .containsExactly(new FieldError("quantity", "must be between 1 and 99"));
    }

    @Test
    void nonObjectBodyIsOneError() throws Exception {
        assertThat(REGISTER.errors(json("[1,2]"))).hasSize(1);
    }

    @Test
    void validateThrowsA400Problem() throws Exception {
        assertThatThrownBy(() -> REGISTER.validate(json("{}")))
                .isInstanceOfSatisfying(ProblemException.class, e -> {
                    assertThat(e.problem().status()).isEqualTo(400);
                    assertThat(e.problem().errors()).hasSize(3);
                });
    }

    @Test
    void problemJsonKeepsStandardMembersFirstAndExtensionsAfter() throws Exception {
        Problem p = Problem.of(409, "not enough stock").with("available", 3).with("status", 999);
        assertThat(p.toJson().toString())
                .isEqualTo("{\"type\":\"about:blank\",\"title\":\"Conflict\",\"status\":409,\"detail\":\"not enough stock\",\"available\":3}");
    }
}
