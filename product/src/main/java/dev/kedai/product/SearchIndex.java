package dev.kedai.product;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Clock;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.helidon.common.config.Config;
import org.apache.hc.client5.http.auth.AuthScope;
import org.apache.hc.client5.http.auth.UsernamePasswordCredentials;
import org.apache.hc.client5.http.impl.auth.BasicCredentialsProvider;
import org.apache.hc.client5.http.impl.nio.PoolingAsyncClientConnectionManagerBuilder;
import org.apache.hc.client5.http.ssl.ClientTlsStrategyBuilder;
import org.apache.hc.core5.http.HttpHost;
import org.apache.hc.core5.util.Timeout;
import org.opensearch.client.json.jackson.JacksonJsonpMapper;
import org.opensearch.client.opensearch.OpenSearchClient;
import org.opensearch.client.opensearch.generic.Body;
import org.opensearch.client.opensearch.generic.OpenSearchGenericClient;
import org.opensearch.client.opensearch.generic.Requests;
import org.opensearch.client.opensearch.generic.Response;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5Transport;
import org.opensearch.client.transport.httpclient5.ApacheHttpClient5TransportBuilder;
import org.opensearch.client.transport.httpclient5.ResponseException;

/**
 * The catalog's OpenSearch index, reached through the OpenSearch Java client: creating it with
 * its explicit mapping ({@code search/products-index.json}: Indonesian and English analyzers from
 * analysis-common), writing documents with the product's version as their external version (an
 * older version is refused by OpenSearch, so replays and a reindex racing the live feed are
 * harmless), searching, and swapping the alias a reindex fills a new index behind.
 *
 * <p>Readers and writers only ever name the alias ({@code product.search.opensearch.index},
 * default {@code kedai-products}); the concrete indices behind it are {@code <alias>-<time>}.
 *
 * <p>Config {@code product.search.opensearch}: {@code url}, {@code username} and {@code password}
 * (basic auth, optional), {@code ca-file} (a PEM CA to trust for {@code https}, optional),
 * {@code index}, {@code replicas} (default 0: one node), {@code timeout} (per request, default PT2S),
 * {@code connections} (pool size, default 64).
 */
public final class SearchIndex implements AutoCloseable {

    static final String MAPPING = "search/products-index.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter INDEX_TIME = DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")
            .withZone(ZoneOffset.UTC);

    private final ApacheHttpClient5Transport transport;
    private final OpenSearchGenericClient http;
    private final String alias;
    private final int replicas;
    private final URI url;

    private SearchIndex(ApacheHttpClient5Transport transport, String alias, int replicas, URI url) {
        this.transport = transport;
        this.http = new OpenSearchClient(transport).generic();
        this.alias = alias;
        this.replicas = replicas;
        this.url = url;
    }

    /** From {@code product.search.opensearch.*} of the root config; connects lazily. */
    public static SearchIndex create(Config root) {
        return create(root, root.get("product.search.opensearch.timeout").as(Duration.class).orElse(Duration.ofSeconds(2)));
    }

    /** As {@link #create(Config)}, with another per-request timeout (operator commands: bulk pages, not searches). */
    public static SearchIndex create(Config root, Duration timeout) {
        Config c = root.get("product.search.opensearch");
        URI url = URI.create(c.get("url").asString().orElse("http://127.0.0.1:9200"));
        int connections = c.get("connections").asInt().orElse(64);
        Optional<String> username = c.get("username").asString().filter(s -> !s.isBlank());
        Optional<String> password = c.get("password").asString().asOptional();
        Optional<SSLContext> tls = c.get("ca-file").asString().filter(s -> !s.isBlank()).map(SearchIndex::trusting);
        HttpHost host = new HttpHost(url.getScheme(), url.getHost(), url.getPort() > 0 ? url.getPort()
                : "https".equals(url.getScheme()) ? 443 : 9200);
        ApacheHttpClient5Transport transport = ApacheHttpClient5TransportBuilder.builder(host)
                .setMapper(new JacksonJsonpMapper(JSON))
                .setRequestConfigCallback(r -> r.setResponseTimeout(Timeout.of(timeout))
                        .setConnectionRequestTimeout(Timeout.of(timeout)))
                .setConnectionConfigCallback(cc -> cc.setConnectTimeout(Timeout.of(timeout)))
                .setHttpClientConfigCallback(b -> {
                    PoolingAsyncClientConnectionManagerBuilder pool = PoolingAsyncClientConnectionManagerBuilder.create()
                            .setMaxConnTotal(connections).setMaxConnPerRoute(connections);
                    tls.ifPresent(ctx -> pool.setTlsStrategy(ClientTlsStrategyBuilder.create().setSslContext(ctx).build()));
                    b.setConnectionManager(pool.build());
                    username.ifPresent(user -> {
                        BasicCredentialsProvider credentials = new BasicCredentialsProvider();
                        credentials.setCredentials(new AuthScope(host),
                                new UsernamePasswordCredentials(user, password.orElse("").toCharArray()));
                        b.setDefaultCredentialsProvider(credentials);
                    });
                    return b;
                })
                .build();
        return new SearchIndex(transport, c.get("index").asString().orElse("kedai-products"),
                               c.get("replicas").asInt().orElse(0), url);
    }

    /** The alias every reader and writer names. */
    public String alias() {
        return alias;
    }

    public URI url() {
        return url;
    }

    /**
     * Creates the first index behind the alias unless the alias exists (several replicas may race:
     * one creation wins, the others see it exist).
     *
     * @return true when this call created it (then it is empty: fill it, {@link Reindex#fill})
     */
    public boolean ensureIndex() throws IOException {
        if (call("HEAD", "/_alias/" + alias, Map.of(), null).status() == 200) {
            return false;
        }
        Answer created = call("PUT", "/" + alias + "-initial", Map.of(), bytes(definition(true)));
        if (created.status() == 200) {
            return true;
        }
        if (created.status() == 400 && created.body().toString().contains("resource_already_exists_exception")) {
            return false;
        }
        throw failure("creating index " + alias + "-initial", created);
    }

    /** Creates an empty index for a reindex, named for this moment, not yet behind the alias. */
    public String createIndex(Clock clock) throws IOException {
        String name = alias + "-" + INDEX_TIME.format(clock.instant());
        Answer created = call("PUT", "/" + name, Map.of(), bytes(definition(false)));
        if (created.status() != 200) {
            throw failure("creating index " + name, created);
        }
        return name;
    }

    /** The concrete indices behind the alias now. */
    public List<String> indicesBehindAlias() throws IOException {
        Answer answer = call("GET", "/_alias/" + alias, Map.of(), null);
        if (answer.status() == 404) {
            return List.of();
        }
        if (answer.status() != 200) {
            throw failure("reading alias " + alias, answer);
        }
        List<String> names = new ArrayList<>();
        answer.body().fieldNames().forEachRemaining(names::add);
        return names;
    }

    /**
     * Points the alias at {@code index} alone in one atomic step (readers never see no index or
     * two), then deletes the indices it pointed at before.
     */
    public void swapAlias(String index) throws IOException {
        List<String> old = indicesBehindAlias();
        ObjectNode actions = JSON.createObjectNode();
        ArrayNode list = actions.putArray("actions");
        for (String name : old) {
            list.addObject().putObject("remove").put("index", name).put("alias", alias);
        }
        list.addObject().putObject("add").put("index", index).put("alias", alias);
        Answer swapped = call("POST", "/_aliases", Map.of(), bytes(actions));
        if (swapped.status() != 200) {
            throw failure("moving alias " + alias + " to " + index, swapped);
        }
        for (String name : old) {
            if (!name.equals(index)) {
                call("DELETE", "/" + name, Map.of(), null);
            }
        }
    }

    /**
     * Writes one document through the alias unless the index holds this version or a newer one
     * already. Fails while there is no alias yet: never lets OpenSearch auto-create an index
     * under the alias's name with guessed mappings.
     */
    public void put(SearchDocument doc) throws IOException {
        Answer answer = call("PUT", "/" + alias + "/_doc/" + doc.id(), Map.of("version", Long.toString(doc.version()),
                "version_type", "external", "require_alias", "true"), bytes(doc.source()));
        if (answer.status() != 200 && answer.status() != 201 && answer.status() != 409) {
            throw failure("indexing " + doc.id(), answer);
        }
    }

    /** {@link #put} of many at once into {@code index} (the alias or a new index being filled). */
    public void putAll(String index, Collection<SearchDocument> docs) throws IOException {
        if (docs.isEmpty()) {
            return;
        }
        ByteArrayOutputStream ndjson = new ByteArrayOutputStream();
        for (SearchDocument doc : docs) {
            ObjectNode action = JSON.createObjectNode();
            action.putObject("index").put("_index", index).put("_id", doc.id())
                    .put("version", doc.version()).put("version_type", "external");
            ndjson.writeBytes(bytes(action));
            ndjson.write('\n');
            ndjson.writeBytes(bytes(doc.source()));
            ndjson.write('\n');
        }
        Answer answer = call("POST", "/_bulk", Map.of(), ndjson.toByteArray(), "application/x-ndjson");
        if (answer.status() != 200) {
            throw failure("bulk indexing into " + index, answer);
        }
        if (answer.body().path("errors").asBoolean()) {
            for (JsonNode item : answer.body().path("items")) {
                JsonNode result = item.path("index");
                int status = result.path("status").asInt();
                if (status != 200 && status != 201 && status != 409) {
                    throw new IOException("bulk indexing into " + index + " failed for " + result.path("_id").asText()
                            + ": " + result.path("error"));
                }
            }
        }
    }

    /** Makes what was written searchable now (a reindex does this before the swap). */
    public void refresh(String index) throws IOException {
        Answer answer = call("POST", "/" + index + "/_refresh", Map.of(), null);
        if (answer.status() != 200) {
            throw failure("refreshing " + index, answer);
        }
    }

    /** Runs a search body against the alias; the raw answer. */
    public JsonNode search(ObjectNode body) throws IOException {
        return search(alias, body);
    }

    /** Runs a search body against {@code index}; the raw answer. */
    public JsonNode search(String index, ObjectNode body) throws IOException {
        Answer answer = call("POST", "/" + index + "/_search", Map.of(), bytes(body));
        if (answer.status() != 200) {
            throw failure("searching " + index, answer);
        }
        return answer.body();
    }

    /** The cluster's health status ({@code green}, {@code yellow}, {@code red}). */
    public String health() throws IOException {
        return call("GET", "/_cluster/health", Map.of(), null).body().path("status").asText("unknown");
    }

    private record Answer(int status, JsonNode body) {
    }

    private Answer call(String method, String endpoint, Map<String, String> query, byte[] body) throws IOException {
        return call(method, endpoint, query, body, "application/json");
    }

    private Answer call(String method, String endpoint, Map<String, String> query, byte[] body, String contentType)
            throws IOException {
        Requests.JsonBodyBuilder request = Requests.builder().method(method).endpoint(endpoint).query(query);
        if (body != null) {
            request.body(Body.from(body, contentType));
        }
        try (Response response = http.execute(request.build())) {
            Optional<Body> answer = response.getBody();
            JsonNode json = JSON.createObjectNode();
            if (answer.isPresent()) {
                try (InputStream in = answer.get().body()) {
                    byte[] bytes = in.readAllBytes();
                    if (bytes.length > 0) {
                        json = JSON.readTree(bytes);
                    }
                }
            }
            return new Answer(response.getStatus(), json);
        } catch (ResponseException e) {
            // the transport throws on some error statuses (a 409 of an older version among them)
            // instead of returning them: the status and the body (after the first line) are what
            // the callers decide on
            String message = e.getMessage() == null ? "" : e.getMessage();
            int firstLine = message.indexOf('\n');
            JsonNode json = JSON.createObjectNode();
            if (firstLine >= 0) {
                try {
                    json = JSON.readTree(message.substring(firstLine + 1));
                } catch (IOException notJson) {
                    // an answer without a JSON body: the status alone
                }
            }
            return new Answer(e.status(), json);
        }
    }

    // 4xx as well as 5xx: to the caller either is "the index did not do it" (a refused request is a bug to log)
    private static IOException failure(String what, Answer answer) {
        return new IOException(what + " failed with status " + answer.status() + ": " + answer.body());
    }

    private ObjectNode definition(boolean withAlias) throws IOException {
        ObjectNode definition;
        try (InputStream in = SearchIndex.class.getClassLoader().getResourceAsStream(MAPPING)) {
            if (in == null) {
                throw new IllegalStateException(MAPPING + " is not on the class path");
            }
            definition = (ObjectNode) JSON.readTree(in);
        }
        ((ObjectNode) definition.path("settings")).put("number_of_replicas", replicas);
        if (withAlias) {
            definition.putObject("aliases").putObject(alias);
        }
        return definition;
    }

    private static byte[] bytes(JsonNode node) {
        try {
            return JSON.writeValueAsBytes(node);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    // the CA certificates of a PEM file as the only ones trusted (a private cluster's own CA)
    private static SSLContext trusting(String caFile) {
        try (InputStream in = Files.newInputStream(Path.of(caFile))) {
            KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
            store.load(null, null);
            int n = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("ca-" + n++, cert);
            }
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the OpenSearch CA file " + caFile + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            transport.close();
        } catch (IOException e) {
            // closing at shutdown: nothing left to do with it
        }
    }
}
