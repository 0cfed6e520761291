package dev.kedai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.contracts.Topics;
import org.junit.jupiter.api.Test;

/** Every topic of the contracts (and its dead-letter topic) exists in both Kafka modes. */
class KafkaTopicsTest {

    @Test
    void strimziKafkaTopicForEveryContractTopicAndItsDeadLetterTopic() {
        Rendered rendered = ChartRenderer.render(Profile.HA);
        List<String> expected = new ArrayList<>();
        Topics.ALL.forEach(t -> {
            expected.add(t);
            expected.add(Topics.deadLetter(t));
        });

        List<JsonNode> specs = rendered.ofKind("KafkaTopic").stream().map(t -> t.object().path("spec")).toList();

        assertThat(specs).extracting(s -> s.path("topicName").asText()).containsExactlyInAnyOrderElementsOf(expected);
        for (JsonNode spec : specs) {
            assertThat(spec.path("partitions").asInt()).isPositive();
            assertThat(spec.path("replicas").asInt()).as("replication in ha").isEqualTo(3);
            assertThat(spec.path("config").path("retention.ms").asLong()).isPositive();
            assertThat(spec.path("config").path("min.insync.replicas").asInt()).isEqualTo(2);
        }
        for (Rendered.Manifest t : rendered.ofKind("KafkaTopic")) {
            assertThat(t.labels().path("strimzi.io/cluster").asText()).isEqualTo("kedai");
        }
        assertThat(rendered.get("Kafka", "kedai").object().path("spec").has("kafkaExporter")).as("lag metrics").isTrue();
    }

    @Test
    void inChartBrokerJobCreatesEveryTopicAndItsDeadLetterTopic() {
        Rendered rendered = ChartRenderer.render(Profile.MINIMAL);
        Rendered.Manifest job = rendered.ofKind("Job").stream().filter(j -> j.name().startsWith("kedai-kafka-topics-"))
                .findFirst().orElseThrow();
        String script = job.object().path("spec").path("template").path("spec").path("containers").get(0).path("args").get(0).asText();
        for (String topic : Topics.ALL) {
            assertThat(script).contains("create " + topic + " ").contains("create " + Topics.deadLetter(topic) + " ");
        }
    }
}
