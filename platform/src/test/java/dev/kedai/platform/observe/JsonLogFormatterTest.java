package dev.kedai.platform.observe;

import java.util.logging.Level;
import java.util.logging.LogRecord;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.helidon.logging.common.HelidonMdc;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class JsonLogFormatterTest {

    private final JsonLogFormatter formatter = new JsonLogFormatter();

    @Test
    void oneJsonObjectPerLineWithRequestIdAndException() throws Exception {
        LogRecord record = new LogRecord(Level.WARNING, "order {0} \"failed\"\nsecond line");
        record.setParameters(new Object[] {"o-1"});
        record.setLoggerName("dev.kedai.test");
        record.setThrown(new IllegalStateException("boom"));
        HelidonMdc.set(RequestId.MDC_KEY, "req-42");
        String line;
        try {
            line = formatter.format(record);
        } finally {
            HelidonMdc.remove(RequestId.MDC_KEY);
        }
        assertThat(line).endsWith(System.lineSeparator());
        assertThat(line.strip()).doesNotContain("\n");
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.get("level").asText()).isEqualTo("WARNING");
        assertThat(json.get("logger").asText()).isEqualTo("dev.kedai.test");
        assertThat(json.get("message").asText()).isEqualTo("order o-1 \"failed\"\nsecond line");
        assertThat(json.get("request_id").asText()).isEqualTo("req-42");
        assertThat(json.get("thread").asText()).isNotEmpty();
        assertThat(json.get("timestamp").asText()).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
        assertThat(json.get("exception").asText()).startsWith("java.lang.IllegalStateException: boom");
    }

    @Test
    void traceAndSpanIdsOfTheCurrentSpan() throws Exception {
        // an SDK without a span processor hands out invalid spans: give it one that keeps nothing
        var tracer = io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
                .addSpanProcessor(io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(new NoExport()))
                .build().get("test");
        var span = tracer.spanBuilder("work").startSpan();
        String line;
        try (var ignored = span.makeCurrent()) {
            line = formatter.format(new LogRecord(Level.INFO, "inside"));
        } finally {
            span.end();
        }
        JsonNode json = new ObjectMapper().readTree(line);
        assertThat(json.get("trace_id").asText()).isEqualTo(span.getSpanContext().getTraceId());
        assertThat(json.get("span_id").asText()).isEqualTo(span.getSpanContext().getSpanId());
        assertThat(new ObjectMapper().readTree(formatter.format(new LogRecord(Level.INFO, "outside"))).has("trace_id"))
                .isFalse();
    }

    @Test
    void noRequestIdOutsideRequests() throws Exception {
        LogRecord record = new LogRecord(Level.INFO, "started");
        JsonNode json = new ObjectMapper().readTree(formatter.format(record));
        assertThat(json.has("request_id")).isFalse();
        assertThat(json.has("exception")).isFalse();
    }

    @Test
    void unsafeClientRequestIdsAreReplaced() {
        assertThat(RequestId.fromClient(java.util.Optional.of("abc-123"))).isEqualTo("abc-123");
        assertThat(RequestId.fromClient(java.util.Optional.of("evil\r\nX: y"))).hasSize(36);
        assertThat(RequestId.fromClient(java.util.Optional.of("x".repeat(200)))).hasSize(36);
    }

    private static final class NoExport implements io.opentelemetry.sdk.trace.export.SpanExporter {
        @Override
        public io.opentelemetry.sdk.common.CompletableResultCode export(java.util.Collection<io.opentelemetry.sdk.trace.data.SpanData> spans) {
            return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
        }

        @Override
        public io.opentelemetry.sdk.common.CompletableResultCode flush() {
            return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
        }

        @Override
        public io.opentelemetry.sdk.common.CompletableResultCode shutdown() {
            return io.opentelemetry.sdk.common.CompletableResultCode.ofSuccess();
        }
    }
}
