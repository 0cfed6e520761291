package dev.kedai.platform.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kedai.platform.http.Json;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A small HTTP/1.1 client for service tests, against one port on 127.0.0.1.
 *
 * <pre>{@code
 * TestHttp http = new TestHttp(server.port());
 * var res = http.get("/stock?size=0");
 * TestHttp.assertProblem(res, 400);
 * assertThat(TestHttp.json(res).get("errors").findValuesAsText("field")).containsExactly("size");
 * }</pre>
 */
public final class TestHttp {

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private final int port;

    public TestHttp(int port) {
        this.port = port;
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** GET with optional header name/value pairs, e.g. {@code "Authorization", "Bearer " + token}. */
    public HttpResponse<String> get(String path, String... headers) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), headers);
    }

    /** POST of {@code body} with the given content type. */
    public HttpResponse<String> post(String path, String contentType, byte[] body, String... headers) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)), headers);
    }

    /**
     * POST of a body the server should refuse as too large, with {@code Expect: 100-continue}:
     * the server answers 413 before the body is sent. Without it the answer races the upload
     * (the server closes the connection after its 413 and the client may fail on a broken pipe
     * before it reads the answer).
     */
    public HttpResponse<String> postOversize(String path, String contentType, byte[] body) {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", contentType).expectContinue(true)
                            .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
    }

    /** Any request; {@code headers} are name/value pairs. */
    public HttpResponse<String> send(HttpRequest.Builder request, String... headers) {
        if (headers.length > 0) {
            request.headers(headers);
        }
        try {
            return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static JsonNode json(HttpResponse<String> res) {
        try {
            return Json.mapper().readTree(res.body());
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + res.body(), e);
        }
    }

    /** Asserts an RFC 9457 answer with this status (media type, status member, type and title). */
    public static JsonNode assertProblem(HttpResponse<String> res, int status) {
        assertThat(res.statusCode()).as(res.body()).isEqualTo(status);
        assertThat(res.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        JsonNode body = json(res);
        assertThat(body.get("status").asInt()).isEqualTo(status);
        assertThat(body.hasNonNull("type")).isTrue();
        assertThat(body.hasNonNull("title")).isTrue();
        return body;
    }

    /** The {@code field} names of a 400's {@code errors}. */
    public static java.util.List<String> fieldsOf(HttpResponse<String> res) {
        return json(res).path("errors").findValuesAsText("field");
    }

    /** An answer read off the wire: its status line's code, header lines and body. */
    public record RawAnswer(int status, java.util.List<String> headerLines, String body) {
        /** The first value of header {@code name} (case-insensitive), if any. */
        public java.util.Optional<String> header(String name) {
            return headerLines.stream().filter(l -> l.regionMatches(true, 0, name + ":", 0, name.length() + 1))
                    .map(l -> l.substring(name.length() + 1).trim()).findFirst();
        }
    }

    /**
     * A request with its request-target sent exactly as given ({@code /auth/login;x},
     * {@code /auth/%6cogin}, {@code /a/../b}): Java's HTTP client would normalise or refuse some
     * of these spellings. One connection per request ({@code Connection: close}).
     */
    public RawAnswer raw(String method, String rawTarget, String contentType, String body, String... headers) {
        return raw(port, method, rawTarget, contentType, body, headers);
    }

    /** {@link #raw(String, String, String, String, String...)} against any port on 127.0.0.1. */
    public static RawAnswer raw(int port, String method, String rawTarget, String contentType, String body,
                                String... headers) {
        byte[] bytes = body == null ? new byte[0] : body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        StringBuilder head = new StringBuilder(method + " " + rawTarget + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nConnection: close\r\n");
        for (int i = 0; i + 1 < headers.length; i += 2) {
            head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
        }
        if (body != null) {
            head.append("Content-Type: ").append(contentType).append("\r\nContent-Length: ").append(bytes.length)
                    .append("\r\n");
        }
        head.append("\r\n");
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            var out = socket.getOutputStream();
            out.write(head.toString().getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            out.write(bytes);
            out.flush();
            var in = new java.io.BufferedInputStream(socket.getInputStream());
            java.util.List<String> lines = new java.util.ArrayList<>();
            for (String line = line(in); !line.isEmpty(); line = line(in)) {
                lines.add(line);
            }
            int status = Integer.parseInt(lines.get(0).split(" ")[1]);
            RawAnswer head0 = new RawAnswer(status, lines.subList(1, lines.size()), "");
            java.io.ByteArrayOutputStream content = new java.io.ByteArrayOutputStream();
            if (head0.header("Transfer-Encoding").filter(v -> v.equalsIgnoreCase("chunked")).isPresent()) {
                for (int size = Integer.parseInt(line(in).trim(), 16); size > 0; size = Integer.parseInt(line(in).trim(), 16)) {
                    content.write(in.readNBytes(size));
                    line(in);
                }
            } else {
                content.write(in.readNBytes(head0.header("Content-Length").map(Integer::parseInt).orElse(0)));
            }
            return new RawAnswer(status, head0.headerLines(), content.toString(java.nio.charset.StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String line(java.io.InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c >= 0 && c != '\n'; c = in.read()) {
            if (c != '\r') {
                b.append((char) c);
            }
        }
        return b.toString();
    }
}
