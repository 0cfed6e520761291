package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Every service's {@code /openapi}, in each form a client asks for, is a valid OpenAPI 3
 * document for the swagger-parser (what client generators and gateway imports use): no message
 * at all, not even a warning, and the same paths in YAML and JSON.
 */
@ExtendWith(StackFixture.class)
class OpenApiDocumentsSystemTest {

    @ParameterizedTest
    @EnumSource(KedaiService.class)
    void yamlAndJsonAreTheSameValidDocument(KedaiService service, Stack stack) throws Exception {
        HttpResponse<String> yaml = ApiContracts.fetch(stack, service, "application/vnd.oai.openapi");
        assertThat(yaml.statusCode()).isEqualTo(200);
        SwaggerParseResult fromYaml = parse(yaml.body());
        assertThat(fromYaml.getMessages()).as("%s YAML", service.id()).isEmpty();
        assertThat(fromYaml.getOpenAPI().getOpenapi()).startsWith("3.");

        for (String json : List.of("application/vnd.oai.openapi+json", "application/json")) {
            HttpResponse<String> answer = ApiContracts.fetch(stack, service, json);
            assertThat(answer.statusCode()).isEqualTo(200);
            // strict JSON first: a YAML tag such as !!null must not leak into it
            new ObjectMapper().readTree(answer.body());
            SwaggerParseResult fromJson = parse(answer.body());
            assertThat(fromJson.getMessages()).as("%s as %s", service.id(), json).isEmpty();
            assertThat(fromJson.getOpenAPI().getPaths().keySet())
                    .containsExactlyInAnyOrderElementsOf(fromYaml.getOpenAPI().getPaths().keySet());
        }
    }

    private static SwaggerParseResult parse(String document) {
        ParseOptions options = new ParseOptions();
        options.setResolve(true);
        return new OpenAPIParser().readContents(document, null, options);
    }
}
