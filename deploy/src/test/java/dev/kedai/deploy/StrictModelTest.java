package dev.kedai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every rendered object is a valid object of its API: known kind, known fields, right types. */
class StrictModelTest {

    @ParameterizedTest
    @EnumSource(Profile.class)
    void everyRenderedObjectParsesStrictly(Profile profile) {
        Rendered rendered = ChartRenderer.render(profile);

        List<String> problems = rendered.manifests().stream().flatMap(m -> StrictModel.problems(m).stream()).toList();

        assertThat(rendered.manifests()).isNotEmpty();
        assertThat(problems).as("objects the models reject (%s)", profile).isEmpty();
    }

    @Test
    void anUnknownFieldIsCaught() {
        Rendered.Manifest deployment = ChartRenderer.render(Profile.DEFAULTS).get("Deployment", "kedai-stock");
        ObjectNode broken = deployment.object().deepCopy();
        ((ObjectNode) broken.path("spec").path("template").path("spec").path("containers").get(0)).put("livenessProbes", "x");

        assertThat(StrictModel.problems(new Rendered.Manifest(deployment.source(), broken)))
                .singleElement().asString().contains("livenessProbes");
    }

    @Test
    void aWronglyTypedFieldIsCaught() {
        Rendered.Manifest service = ChartRenderer.render(Profile.DEFAULTS).get("Service", "kedai-stock");
        ObjectNode broken = service.object().deepCopy();
        ((ObjectNode) broken.path("spec").path("ports").get(0)).put("port", "8002");

        assertThat(StrictModel.problems(new Rendered.Manifest(service.source(), broken))).isNotEmpty();
    }

    @Test
    void kafkaTopicsUseStrimziV1() {
        assertThat(ChartRenderer.render(Profile.HA).ofKind("KafkaTopic"))
                .isNotEmpty()
                .allSatisfy(t -> assertThat(t.apiVersion()).isEqualTo(StrictModel.STRIMZI_API));
    }
}
