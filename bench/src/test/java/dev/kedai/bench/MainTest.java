package dev.kedai.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.stream.Stream;

import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.JsonNode;
import javax.imageio.ImageIO;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

    @Test
    void stockListRunWritesTheResultJson(@TempDir Path dir) throws Exception {
        try (TinyServer server = new TinyServer(Executors.newVirtualThreadPerTaskExecutor())
                .handle("/stock", exchange -> TinyServer.respond(exchange, 200, "[{\"productId\":1,\"available\":3}]"))) {
            int status = Main.run("stock-list", "--rate", "200", "--warmup", "100ms", "--duration", "500ms",
                    "--concurrency", "256", "--target", server.uri().toString(), "--results-dir", dir.toString());
            assertThat(status).isZero();
        }

        List<Path> files;
        try (Stream<Path> listing = Files.list(dir)) {
            files = listing.filter(f -> f.toString().endsWith(".json")).toList();
        }
        assertThat(files).singleElement().satisfies(f ->
                assertThat(f.getFileName().toString()).matches("stock-list-\\d{8}-\\d{6}\\.json"));
        JsonNode json = new ObjectMapper().readTree(files.getFirst().toFile());

        assertThat(json.path("scenario").asText()).isEqualTo("stock-list");
        assertThat(json.path("startedAt").asText()).endsWith("Z");
        JsonNode parameters = json.path("parameters");
        assertThat(parameters.path("target").asText()).startsWith("http://127.0.0.1:");
        assertThat(parameters.path("rate").asDouble()).isEqualTo(200);
        assertThat(parameters.path("durationSeconds").asDouble()).isEqualTo(0.5);
        assertThat(parameters.path("warmupSeconds").asDouble()).isEqualTo(0.1);
        assertThat(parameters.path("concurrency").asInt()).isEqualTo(256);
        assertThat(parameters.path("timeoutMs").asLong()).isEqualTo(5000);
        JsonNode environment = json.path("environment");
        assertThat(environment.path("availableProcessors").asInt()).isPositive();
        assertThat(environment.path("javaVersion").asText()).isNotEmpty();
        assertThat(environment.has("gitCommit")).isTrue();
        JsonNode results = json.path("results");
        assertThat(results.path("scheduled").asLong()).isEqualTo(100);
        // a busy shared machine may drop a few slots; this test is about the file, not the rate
        assertThat(results.path("ok").asLong()).isEqualTo(results.path("sent").asLong()).isPositive();
        assertThat(results.path("sent").asLong() + results.path("dropped").asLong()).isEqualTo(100);
        assertThat(results.path("achievedRps").asDouble()).isPositive();
        assertThat(results.path("errors").isObject()).isTrue();
        for (String field : new String[] {"p50", "p90", "p99", "p999", "max", "mean", "count"}) {
            assertThat(results.path("latencyMs").has(field)).as(field).isTrue();
        }
        assertThat(results.path("latencyHistogram").asText()).isNotEmpty();
        // and it reads back into the same records
        assertThat(ResultFile.read(files.getFirst()).results().scheduled()).isEqualTo(100);
    }

    @Test
    void aRunPlotsItsLatencyPercentilesNextToTheJson(@TempDir Path dir) throws Exception {
        try (TinyServer server = new TinyServer(Executors.newVirtualThreadPerTaskExecutor())
                .handle("/stock", exchange -> TinyServer.respond(exchange, 200, "[]"))) {
            assertThat(Main.run("stock-list", "--rate", "200", "--warmup", "100ms", "--duration", "500ms",
                    "--target", server.uri().toString(), "--results-dir", dir.toString())).isZero();
        }

        List<String> names;
        try (Stream<Path> listing = Files.list(dir)) {
            names = listing.map(f -> f.getFileName().toString()).sorted().toList();
        }
        assertThat(names).hasSize(2);
        assertThat(names.get(1)).isEqualTo(names.get(0).replace(".json", ".png"));
        BufferedImage png = ImageIO.read(dir.resolve(names.get(1)).toFile());
        assertThat(png).as("a PNG ImageIO decodes").isNotNull();
        assertThat(png.getWidth()).isEqualTo(BenchPlots.WIDTH);
        assertThat(png.getHeight()).isEqualTo(BenchPlots.HEIGHT);
    }

    @Test
    void noWriteWritesNoPlotEither(@TempDir Path dir) throws Exception {
        try (TinyServer server = new TinyServer(Executors.newVirtualThreadPerTaskExecutor())
                .handle("/stock", exchange -> TinyServer.respond(exchange, 200, "[]"))) {
            assertThat(Main.run("stock-list", "--rate", "100", "--warmup", "100ms", "--duration", "200ms",
                    "--target", server.uri().toString(), "--results-dir", dir.toString(), "--no-write")).isZero();
        }
        try (Stream<Path> listing = Files.list(dir)) {
            assertThat(listing).isEmpty();
        }
    }

    @Test
    void nonLoopbackTargetIsAUsageErrorAndSendsNothing(@TempDir Path dir) throws Exception {
        int status = Main.run("stock-list", "--target", "http://192.0.2.1:8002", "--duration", "1s",
                "--results-dir", dir.toString());
        assertThat(status).isEqualTo(2);
        try (Stream<Path> listing = Files.list(dir)) {
            assertThat(listing).isEmpty();
        }
    }

    @Test
    void theCheckoutJourneyIsAScenarioOfTheCliAndStaysOnLoopback() {
        assertThat(Main.run("journey", "--target", "http://192.0.2.1:8080", "--duration", "1s")).isEqualTo(2);
        // a loopback edge with nothing behind it: the run starts, then fails to sign its customers up
        assertThat(Main.run("journey", "--target", "http://127.0.0.1:9", "--duration", "1s", "--users", "1")).isEqualTo(1);
    }

    @Test
    void unknownScenarioAndHelp() {
        assertThat(Main.run("no-such-scenario", "--no-write")).isEqualTo(2);
        assertThat(Main.run("--help")).isZero();
    }

    @Test
    void durationsParseAsTyped() {
        assertThat(DurationText.parse("30s")).hasSeconds(30);
        assertThat(DurationText.parse("500ms")).hasMillis(500);
        assertThat(DurationText.parse("2m")).hasMinutes(2);
        assertThat(DurationText.parse("1.5s")).hasMillis(1500);
        assertThat(DurationText.parse("10")).hasSeconds(10);
    }
}
