package dev.kedai.infra.otlp;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;

/**
 * Reads an OTLP {@code ExportTraceServiceRequest} (protobuf, as OTLP/HTTP sends it) into
 * {@link ReceivedSpan}s. Only the fields the trace view shows are read; the others are skipped
 * by wire type, so newer exporters with more fields still decode. Field numbers are those of
 * opentelemetry/proto/trace/v1/trace.proto and common/v1/common.proto.
 */
final class OtlpTraceDecoder {

    private static final String[] KINDS = {"UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"};
    private static final HexFormat HEX = HexFormat.of();

    private OtlpTraceDecoder() {
    }

    static List<ReceivedSpan> decode(byte[] body) throws IOException {
        List<ReceivedSpan> spans = new ArrayList<>();
        CodedInputStream in = CodedInputStream.newInstance(body);
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (field(tag) == 1) {       // resource_spans
                resourceSpans(in.readBytes().newCodedInput(), spans);
            } else {
                in.skipField(tag);
            }
        }
        return spans;
    }

    private static void resourceSpans(CodedInputStream in, List<ReceivedSpan> out) throws IOException {
        String service = "";
        List<CodedInputStream> scopes = new ArrayList<>();
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (field(tag)) {
                case 1 -> service = resource(in.readBytes().newCodedInput()).getOrDefault("service.name", "");
                case 2 -> scopes.add(in.readBytes().newCodedInput());   // scope_spans
                default -> in.skipField(tag);
            }
        }
        for (CodedInputStream scope : scopes) {
            for (int tag; (tag = scope.readTag()) != 0; ) {
                if (field(tag) == 2) {   // spans
                    out.add(span(service, scope.readBytes().newCodedInput()));
                } else {
                    scope.skipField(tag);
                }
            }
        }
    }

    private static Map<String, String> resource(CodedInputStream in) throws IOException {
        Map<String, String> attributes = new LinkedHashMap<>();
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (field(tag) == 1) {
                keyValue(in.readBytes().newCodedInput(), attributes);
            } else {
                in.skipField(tag);
            }
        }
        return attributes;
    }

    private static ReceivedSpan span(String service, CodedInputStream in) throws IOException {
        String traceId = "", spanId = "", traceState = "", parent = "", name = "", kind = KINDS[0];
        long start = 0, end = 0;
        boolean error = false;
        Map<String, String> attributes = new LinkedHashMap<>();
        List<String> links = new ArrayList<>();
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (field(tag)) {
                case 1 -> traceId = HEX.formatHex(in.readByteArray());
                case 2 -> spanId = HEX.formatHex(in.readByteArray());
                case 3 -> traceState = in.readString();
                case 4 -> parent = HEX.formatHex(in.readByteArray());
                case 5 -> name = in.readString();
                case 6 -> {
                    int k = in.readEnum();
                    kind = k >= 0 && k < KINDS.length ? KINDS[k] : KINDS[0];
                }
                case 7 -> start = in.readFixed64();
                case 8 -> end = in.readFixed64();
                case 9 -> keyValue(in.readBytes().newCodedInput(), attributes);
                case 13 -> links.add(link(in.readBytes().newCodedInput()));
                case 15 -> error = statusIsError(in.readBytes().newCodedInput());
                default -> in.skipField(tag);
            }
        }
        return new ReceivedSpan(service, traceId, spanId, parent, name, kind, start, end, attributes, error, links, traceState);
    }

    private static String link(CodedInputStream in) throws IOException {
        String traceId = "", spanId = "";
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (field(tag)) {
                case 1 -> traceId = HEX.formatHex(in.readByteArray());
                case 2 -> spanId = HEX.formatHex(in.readByteArray());
                default -> in.skipField(tag);
            }
        }
        return traceId + "/" + spanId;
    }

    private static boolean statusIsError(CodedInputStream in) throws IOException {
        boolean error = false;
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (field(tag) == 3) {
                error = in.readEnum() == 2;   // STATUS_CODE_ERROR
            } else {
                in.skipField(tag);
            }
        }
        return error;
    }

    private static void keyValue(CodedInputStream in, Map<String, String> into) throws IOException {
        String key = null, value = "";
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (field(tag)) {
                case 1 -> key = in.readString();
                case 2 -> value = anyValue(in.readBytes().newCodedInput());
                default -> in.skipField(tag);
            }
        }
        if (key != null) {
            into.put(key, value);
        }
    }

    private static String anyValue(CodedInputStream in) throws IOException {
        String value = "";
        for (int tag; (tag = in.readTag()) != 0; ) {
            switch (field(tag)) {
                case 1 -> value = in.readString();
                case 2 -> value = Boolean.toString(in.readBool());
                case 3 -> value = Long.toString(in.readInt64());
                case 4 -> value = Double.toString(in.readDouble());
                case 5 -> value = arrayValue(in.readBytes().newCodedInput());
                case 7 -> value = HEX.formatHex(in.readByteArray());
                default -> in.skipField(tag);   // maps are not shown
            }
        }
        return value;
    }

    // ArrayValue { repeated AnyValue values = 1 }: shown comma-separated
    private static String arrayValue(CodedInputStream in) throws IOException {
        List<String> values = new ArrayList<>();
        for (int tag; (tag = in.readTag()) != 0; ) {
            if (field(tag) == 1) {
                values.add(anyValue(in.readBytes().newCodedInput()));
            } else {
                in.skipField(tag);
            }
        }
        return String.join(",", values);
    }

    private static int field(int tag) {
        return WireFormat.getTagFieldNumber(tag);
    }
}
