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
}
