package dev.kedai.devstack.edge;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.stream.Collectors;

import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import org.apache.hc.client5.http.classic.methods.HttpGet;
import org.apache.hc.core5.http.ClassicHttpResponse;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.http.io.entity.EntityUtils;

/**
 * The interactive API reference of the devstack, at {@code /docs} on the dev edge: Swagger UI
 * from its webjar (nothing fetched from the internet) listing every service's OpenAPI document,
 * which it reads from {@code /docs/openapi/<service>}. The documents name no server, so "try it
 * out" calls the edge that served them, with the edge's routes, plugins and token checks.
 * Only the dev edge has this page: Kong in a cluster routes {@code /docs} nowhere unless the
 * chart's {@code apiDocs.enabled} says so.
 */
final class ApiDocsPage implements HttpService {
    static final String PATH = "/docs";
    private static final String WEBJAR = "META-INF/resources/webjars/swagger-ui/";
    private static final HeaderName NOSNIFF = HeaderNames.create("X-Content-Type-Options");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=UTF-8",
            "js", "text/javascript; charset=UTF-8",
            "css", "text/css; charset=UTF-8",
            "png", "image/png",
            "txt", "text/plain; charset=UTF-8");

    /** Service name as the page lists it (auth, user, ...) → its HTTP base URI. */
    private final Map<String, URI> services;
    private final UpstreamClient client;
    private final String webjarDir;

    /**
     * @param services the Kubernetes Service names ({@code kedai-<svc>}) and their base URIs, as the edge routes them
     */
    ApiDocsPage(Map<String, URI> services, UpstreamClient client) {
        this.services = new TreeMap<>();
        services.forEach((name, uri) -> this.services.put(name.replaceFirst("^kedai-", ""), uri));
        this.client = client;
        this.webjarDir = WEBJAR + webjarVersion() + "/";
    }

    @Override
    public void routing(HttpRules rules) {
        rules.get("/", this::index)
                .get("/swagger-initializer.js", this::initializer)
                .get("/openapi/{service}", this::document)
                .get("/{file}", this::file);
    }

    private void index(ServerRequest req, ServerResponse res) {
        // index.html loads its scripts relatively: it must be read at /docs/, not /docs
        if (!req.path().absolute().rawPath().endsWith("/")) {
            String query = req.query().rawValue();
            res.status(Status.MOVED_PERMANENTLY_301)
                    .header(HeaderNames.LOCATION, PATH + "/" + (query.isEmpty() ? "" : "?" + query)).send();
            return;
        }
        serve(res, "index.html");
    }

    /** Replaces the webjar's demo initializer: our documents, the top bar to switch between them. */
    private void initializer(ServerRequest req, ServerResponse res) {
        String urls = services.keySet().stream()
                .map(name -> "{url: \"openapi/" + name + "\", name: \"" + name + "\"}")
                .collect(Collectors.joining(",\n      "));
        String script = """
                window.onload = function () {
                  window.ui = SwaggerUIBundle({
                    urls: [
                      %s
                    ],
                    "urls.primaryName": "product",
                    dom_id: "#swagger-ui",
                    deepLinking: true,
                    persistAuthorization: true,
                    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
                    plugins: [SwaggerUIBundle.plugins.DownloadUrl],
                    layout: "StandaloneLayout"
                  });
                };
                """.formatted(urls);
        send(res, TYPES.get("js"), script.getBytes(StandardCharsets.UTF_8));
    }

    /** The service's own {@code /openapi}, as JSON. */
    private void document(ServerRequest req, ServerResponse res) {
        URI base = services.get(req.path().pathParameters().get("service"));
        if (base == null) {
            res.status(Status.NOT_FOUND_404).send();
            return;
        }
        HttpGet get = new HttpGet(base.resolve("/openapi"));
        get.setHeader(HeaderNames.ACCEPT.defaultCase(), "application/vnd.oai.openapi+json");
        HttpHost instance = new HttpHost(base.getScheme(), base.getHost(), base.getPort());
        try (ClassicHttpResponse answer = client.execute(instance, get)) {
            if (answer.getCode() != Status.OK_200.code() || answer.getEntity() == null) {
                res.status(Status.BAD_GATEWAY_502).send();
                return;
            }
            send(res, "application/json", EntityUtils.toByteArray(answer.getEntity()));
        } catch (IOException | RuntimeException e) {
            // the service is down: the page shows the error for this one document only
            res.status(Status.BAD_GATEWAY_502).send();
        }
    }

    private void file(ServerRequest req, ServerResponse res) {
        serve(res, req.path().pathParameters().get("file"));
    }

    private void serve(ServerResponse res, String file) {
        int dot = file.lastIndexOf('.');
        String type = dot < 0 ? null : TYPES.get(file.substring(dot + 1));
        // only plain names of the webjar's top directory
        InputStream in = type == null || file.contains("/") || file.contains("..") ? null
                : ApiDocsPage.class.getClassLoader().getResourceAsStream(webjarDir + file);
        if (in == null) {
            res.status(Status.NOT_FOUND_404).send();
            return;
        }
        try (in) {
            send(res, type, in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void send(ServerResponse res, String type, byte[] body) {
        res.header(HeaderNames.CONTENT_TYPE, type)
                .header(NOSNIFF, "nosniff")
                .header(HeaderNames.CACHE_CONTROL, "no-cache")
                .send(body);
    }

    /** The version directory of the swagger-ui webjar on the class path (its pom.properties). */
    private static String webjarVersion() {
        try (InputStream in = ApiDocsPage.class.getClassLoader()
                .getResourceAsStream("META-INF/maven/org.webjars/swagger-ui/pom.properties")) {
            if (in == null) {
                throw new IllegalStateException("the swagger-ui webjar is not on the class path");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
