package dev.kedai.devstack;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.SequencedMap;
import java.util.function.Consumer;

import dev.kedai.infra.Databases;
import dev.kedai.infra.InfraEndpoints;

/**
 * Rebuilds the devstack's OpenSearch index from the product database: runs the product jar's
 * {@code SearchAdmin reindex} (docs/search.md) in a JVM of its own, with the configuration the
 * product service of this stack has (its database account, the node's URL). The index stays
 * readable throughout: the product service swaps an alias.
 */
final class SearchReindex {

    private static final String ADMIN_CLASS = "dev.kedai.product.SearchAdmin";

    private final StackConfig config;

    SearchReindex(StackConfig config) {
        this.config = config;
    }

    /** The command line: {@code java ... -cp <product jar>:<libs> -D... SearchAdmin reindex}. */
    List<String> command() {
        Path jar = KedaiService.PRODUCT.jar(config.repoRoot());
        List<String> command = new ArrayList<>();
        command.add(JvmOptions.javaBinary().toString());
        command.addAll(JvmOptions.forService("256m"));
        productProperties().forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.addAll(List.of("-cp", jar + java.io.File.pathSeparator + jar.resolveSibling("libs").resolve("*"),
                ADMIN_CLASS, "reindex"));
        return command;
    }

    /** Runs it with this terminal (the progress bar draws in place); returns its exit code. */
    int runInTerminal() {
        try {
            return new ProcessBuilder(command()).inheritIO().start().waitFor();
        } catch (IOException e) {
            throw new StackException("cannot run " + ADMIN_CLASS + ": " + e.getMessage(), 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted", 130);
        }
    }

    /** Runs it and hands its last line (e.g. "kedai-products now points at ...: 300 products") to {@code progress}. */
    void run(Consumer<String> progress) {
        try {
            Process process = new ProcessBuilder(command()).redirectErrorStream(true).start();
            String last = "";
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                    String shown = line.substring(line.lastIndexOf('\r') + 1).strip();   // the bar redraws with \r
                    if (!shown.isEmpty() && !shown.startsWith("{")) {   // not one of the service's JSON log lines
                        last = shown;
                    }
                }
            }
            if (process.waitFor() != 0) {
                throw new StackException("search reindex failed: " + last, 1);
            }
            progress.accept("search index: " + last);
        } catch (IOException e) {
            throw new StackException("cannot run " + ADMIN_CLASS + ": " + e.getMessage(), 1);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StackException("interrupted", 130);
        }
    }

    private SequencedMap<String, String> productProperties() {
        InfraEndpoints db = config.infraSettings().external().filter(InfraEndpoints::hasDb)
                .orElse(InfraEndpoints.db("127.0.0.1", config.infraPorts().mariadb(), null, null));
        SequencedMap<String, String> props = new LinkedHashMap<>();
        props.put("db.source", "jdbc");
        props.put("db.connection.url", db.jdbcUrl(Databases.schemaOf(KedaiService.PRODUCT.id())));
        props.put("db.connection.username", KedaiService.PRODUCT.id());
        props.put("db.connection.password", DevPasswords.loadOrCreate(config.passwordsFile()).get(KedaiService.PRODUCT));
        props.putAll(config.search().openSearchProperties());
        return props;
    }
}
