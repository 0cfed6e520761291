package dev.kedai.platform.observe;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import io.grpc.ClientInterceptor;
import io.grpc.ServerInterceptor;
import io.helidon.common.config.Config;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;

/**
 * Distributed tracing (OpenTelemetry, W3C trace context), set up once per service from
 * {@code tracing.*} of the root config:
 *
 * <pre>
 * tracing:
 *   enabled: false                 # off: no filter, no interceptor, no span (TRACING_ENABLED=true)
 *   endpoint: http://127.0.0.1:4318/v1/traces   # OTLP over HTTP (protobuf); devstack's receiver or a Collector
 *   sampler-ratio: 1.0             # parent-based: a caller's decision is followed; new traces at this ratio
 *   batch-delay: PT1S              # how long finished spans wait before export
 *   resource:                      # extra resource attributes, e.g. deployment.environment.name: dev
 * </pre>
 *
 * The service is named by {@code service.name}. Spans made: one SERVER span per HTTP request
 * named by its route template ({@link HttpSpans}), CLIENT and SERVER spans per gRPC call
 * (grpc-java library instrumentation), one span per database transaction run inside a trace
 * ({@link #inSpan}); none per SQL statement. Disabled, every hook is left out, so tracing off
 * costs what no tracing cost.
 *
 * <p>Services in one JVM (tests) each get their own instance, keyed by their settings.
 */
public final class Tracing {

    /** Tracing that does nothing; {@link #enabled()} is false. */
    public static final Tracing OFF = new Tracing(null, "off");

    private static final Map<Settings, Tracing> BY_SETTINGS = new ConcurrentHashMap<>();

    private final OpenTelemetrySdk sdk;
    private final Tracer tracer;
    private final GrpcTelemetry grpc;
    private final String service;

    private Tracing(OpenTelemetrySdk sdk, String service) {
        this.sdk = sdk;
        this.service = service;
        this.tracer = sdk == null ? OpenTelemetry.noop().getTracer("kedai") : sdk.getTracer("dev.kedai.platform");
        this.grpc = sdk == null ? null : GrpcTelemetry.create(sdk);
    }

    /** What a service's {@code tracing.*} says; equal settings share one SDK. */
    record Settings(String service, String endpoint, double ratio, Duration batchDelay, Map<String, String> resource) {
    }

    /** The tracing of the service configured by {@code root}: {@link #OFF} unless {@code tracing.enabled}. */
    public static Tracing of(Config root) {
        Config t = root.get("tracing");
        if (!t.get("enabled").asBoolean().orElse(false)) {
            return OFF;
        }
        double ratio = t.get("sampler-ratio").asDouble().orElse(1.0);
        if (ratio < 0 || ratio > 1) {
            throw new IllegalArgumentException("tracing.sampler-ratio must be between 0 and 1, was " + ratio);
        }
        Settings s = new Settings(root.get("service.name").asString().orElse("unnamed"),
                t.get("endpoint").asString().orElse("http://127.0.0.1:4318/v1/traces"),
                ratio,
                t.get("batch-delay").as(Duration.class).orElse(Duration.ofSeconds(1)),
                t.get("resource").detach().asMap().orElse(Map.of()));
        return BY_SETTINGS.computeIfAbsent(s, Tracing::start);
    }

    private static Tracing start(Settings s) {
        AttributesBuilder resource = Attributes.builder().put("service.name", s.service())
                .put("service.namespace", "kedai");
        s.resource().forEach(resource::put);
        SdkTracerProvider provider = SdkTracerProvider.builder()
                .setResource(Resource.getDefault().merge(Resource.create(resource.build())))
                .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(s.ratio())))
                .addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder()
                                .setEndpoint(s.endpoint())
                                .setTimeout(Duration.ofSeconds(5))
                                .build())
                        .setScheduleDelay(s.batchDelay())
                        .build())
                .build();
        OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                .setTracerProvider(provider)
                .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                .build();
        return new Tracing(sdk, s.service());
    }

    public boolean enabled() {
        return sdk != null;
    }

    /** The OpenTelemetry API of this service (no-op when off). */
    public OpenTelemetry openTelemetry() {
        return sdk == null ? OpenTelemetry.noop() : sdk;
    }

    public Tracer tracer() {
        return tracer;
    }

    /** The HTTP server filter, or none when off. */
    public Optional<io.helidon.webserver.http.Filter> httpFilter() {
        return sdk == null ? Optional.empty() : Optional.of(new HttpSpans(this).filter());
    }

    /** Server spans for gRPC calls (outermost interceptor), or none when off. */
    public Optional<ServerInterceptor> grpcServer() {
        return Optional.ofNullable(grpc).map(GrpcTelemetry::createServerInterceptor);
    }

    /** Client spans for gRPC calls and the {@code traceparent} they carry, or none when off. */
    public List<ClientInterceptor> grpcClient() {
        return grpc == null ? List.of() : List.of(grpc.createClientInterceptor());
    }

    /**
     * Runs {@code work} in an INTERNAL span called {@code name} when a trace is running (a
     * transaction started by a poll loop opens no trace of its own).
     */
    public <T, E extends Exception> T inSpan(String name, Attributes attributes, Work<T, E> work) throws E {
        if (sdk == null || !Span.current().getSpanContext().isValid()) {
            return work.run();
        }
        Span span = tracer.spanBuilder(name).setAllAttributes(attributes).startSpan();
        try (var ignored = span.makeCurrent()) {
            return work.run();
        } catch (Throwable e) {
            span.recordException(e);
            span.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR);
            throw e;
        } finally {
            span.end();
        }
    }

    /** Work in a span. */
    @FunctionalInterface
    public interface Work<T, E extends Exception> {
        T run() throws E;
    }

    /** Exports what finished and waits up to 5 s for it (at stop, so the last spans are not lost). */
    public void flush() {
        if (sdk != null) {
            sdk.getSdkTracerProvider().forceFlush().join(5, TimeUnit.SECONDS);
        }
    }

    /** The trace id of {@code req}'s server span (also after its filter returned, as in error handlers). */
    public static Optional<String> traceId(io.helidon.webserver.http.ServerRequest req) {
        return HttpSpans.of(req).map(Span::getSpanContext).filter(SpanContext::isValid).map(SpanContext::getTraceId);
    }

    /** {@code req}'s server span made current, for code run outside its filter (error handlers' logs). */
    public static io.opentelemetry.context.Scope resume(io.helidon.webserver.http.ServerRequest req) {
        return HttpSpans.of(req).map(Span::makeCurrent).orElse(io.opentelemetry.context.Scope.noop());
    }

    /** The trace id of the span current on this thread, if one is valid. */
    public static Optional<String> currentTraceId() {
        SpanContext c = Span.current().getSpanContext();
        return c.isValid() ? Optional.of(c.getTraceId()) : Optional.empty();
    }

    /** The span id of the span current on this thread, if one is valid. */
    public static Optional<String> currentSpanId() {
        SpanContext c = Span.current().getSpanContext();
        return c.isValid() ? Optional.of(c.getSpanId()) : Optional.empty();
    }

    @Override
    public String toString() {
        return "Tracing[" + service + (sdk == null ? ", off]" : "]");
    }
}
