package dev.kedai.platform.observe;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.logging.Formatter;
import java.util.logging.LogRecord;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.logging.common.HelidonMdc;

/**
 * One JSON object per line, for log shippers:
 * <pre>
 * {"timestamp":"2026-11-21T10:15:30.123Z","level":"INFO","logger":"dev.kedai.stock.StockHttp",
 *  "message":"...","thread":"[0x2a virtual]","request_id":"5f0c...","trace_id":"4bf9...","span_id":"00f0...",
 *  "exception":"java.lang...\n\tat ..."}
 * </pre>
 * {@code request_id} is present on lines written while a request is handled (see {@link RequestId});
 * {@code trace_id} and {@code span_id} while a span is current (see {@link Tracing});
 * {@code exception} only when the record carries a throwable (class, message and stack trace).
 */
public final class JsonLogFormatter extends Formatter {

    // a plain mapper: log field names are fixed here, not derived from Java names
    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Override
    public String format(LogRecord record) {
        ObjectNode line = MAPPER.createObjectNode();
        line.put("timestamp", Instant.ofEpochMilli(record.getMillis()).toString());
        line.put("level", record.getLevel().getName());
        line.put("logger", record.getLoggerName());
        line.put("message", formatMessage(record));
        line.put("thread", Thread.currentThread().getName().isEmpty()
                ? Thread.currentThread().toString() : Thread.currentThread().getName());
        HelidonMdc.get(RequestId.MDC_KEY).ifPresent(id -> line.put("request_id", id));
        Tracing.currentTraceId().ifPresent(id -> line.put("trace_id", id));
        Tracing.currentSpanId().ifPresent(id -> line.put("span_id", id));
        if (record.getThrown() != null) {
            StringWriter trace = new StringWriter();
            record.getThrown().printStackTrace(new PrintWriter(trace));
            line.put("exception", trace.toString());
        }
        try {
            return MAPPER.writeValueAsString(line) + System.lineSeparator();
        } catch (JsonProcessingException e) {
            // cannot happen for a tree of strings; never let logging throw
            return "{\"level\":\"SEVERE\",\"message\":\"log line not serialisable\"}" + System.lineSeparator();
        }
    }
}
