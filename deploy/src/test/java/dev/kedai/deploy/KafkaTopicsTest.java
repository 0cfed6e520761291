package dev.kedai.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
    }

    /**
     * In ha every topic has at least as many partitions as a service may have replicas (the HPA's
     * maxReplicas): a consumer group spreads over at most one member per partition, so fewer
     * partitions would leave scaled-out consumers idle (docs/capacity.md).
     */
    @Test
    void inHaEveryTopicHasAPartitionForEachReplicaTheAutoscalerMayAdd() {
        Rendered rendered = ChartRenderer.render(Profile.HA);
        List<JsonNode> autoscalers = rendered.ofKind("HorizontalPodAutoscaler").stream().map(h -> h.object().path("spec"))
                .toList();
        assertThat(autoscalers).isNotEmpty();
        int maxReplicas = autoscalers.stream().mapToInt(s -> s.path("maxReplicas").asInt()).max().orElseThrow();
        for (Rendered.Manifest topic : rendered.ofKind("KafkaTopic")) {
            JsonNode spec = topic.object().path("spec");
            if (!spec.path("topicName").asText().endsWith(".dlt")) {
                assertThat(spec.path("partitions").asInt()).as(spec.path("topicName").asText())
                        .isGreaterThanOrEqualTo(maxReplicas);
            }
        }
    }

    /**
     * Kafka versions each Strimzi release of the tested range accepts (its kafka-versions.yaml,
     * entries with supported: true, and release notes: 1.1 removed Kafka 4.1.x and added 4.2.1 and
     * 4.3.0; 1.2 added 4.3.1). A version outside any of them is refused by that operator.
     */
    static final Map<String, Set<String>> STRIMZI_KAFKA_VERSIONS = Map.of(
            "0.51", Set.of("4.1.0", "4.1.1", "4.2.0"),
            "1.0", Set.of("4.1.0", "4.1.1", "4.1.2", "4.2.0"),
            "1.1", Set.of("4.2.0", "4.2.1", "4.3.0"),
            "1.2", Set.of("4.2.0", "4.2.1", "4.3.0", "4.3.1"));

    /** Defect 8: the chart's Kafka version is one every Strimzi of the tested range (docs/deploy.md) accepts. */
    @Test
    void strimziKafkaVersionIsAcceptedByEveryTestedStrimzi() {
        String version = ChartRenderer.render(Profile.HA).get("Kafka", "kedai").object().path("spec").path("kafka").path("version").asText();
        STRIMZI_KAFKA_VERSIONS.forEach((strimzi, versions) ->
                assertThat(versions).as("Kafka %s in Strimzi %s", version, strimzi).contains(version));
        assertThat(ChartRenderer.read(Repo.root().resolve("docs/deploy.md"))).contains("Strimzi 0.51 to 1.2");
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
