package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import org.junit.jupiter.api.Test;

/**
 * docs/api.md is the contract in words: it names exactly the routes the services' OpenAPI
 * documents describe (one {@code ### `METHOD /path`} heading per route), and the repository's
 * documents point at nothing outside the repository (a clone has nothing beside it).
 */
class ApiReferenceTest {
    private static final Path ROOT = StackConfig.findRepoRoot(Path.of("")).orElseThrow();
    private static final Pattern ROUTE = Pattern.compile("^### `(GET|POST|PUT|PATCH|DELETE) (/\\S*)`\\s*$",
            Pattern.MULTILINE);
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern SHARED = Pattern.compile("\\bshared/(API|DESIGN|FACTS)\\.md");

    @Test
    void apiMdNamesExactlyTheRoutesOfTheServicesDocuments() throws IOException {
        Set<String> served = new TreeSet<>();
        for (KedaiService service : KedaiService.values()) {
            Path document = ROOT.resolve(service.id()).resolve("src/main/resources/META-INF/openapi.yaml");
            SwaggerParseResult parsed = new OpenAPIParser().readContents(Files.readString(document), null, null);
            assertThat(parsed.getMessages()).as(document.toString()).isEmpty();
            OpenAPI api = parsed.getOpenAPI();
            api.getPaths().forEach((path, item) -> item.readOperationsMap().keySet()
                    .forEach(method -> served.add(method.name() + " " + path)));
        }
        Set<String> documented = new TreeSet<>();
        Matcher route = ROUTE.matcher(Files.readString(ROOT.resolve("docs/api.md")));
        while (route.find()) {
            assertThat(documented.add(route.group(1) + " " + route.group(2)))
                    .as("docs/api.md names %s %s twice", route.group(1), route.group(2)).isTrue();
        }

        assertThat(subtract(served, documented)).as("served by a service, missing from docs/api.md").isEmpty();
        assertThat(subtract(documented, served)).as("in docs/api.md, served by no service").isEmpty();
    }

    @Test
    void documentsPointOnlyInsideTheRepository() throws IOException {
        List<String> outside = new ArrayList<>();
        for (Path doc : markdown()) {
            String text = withoutCodeBlocks(Files.readString(doc));
            Matcher link = LINK.matcher(text);
            while (link.find()) {
                String target = link.group(1).replaceFirst("#.*$", "");
                if (target.isEmpty() || target.matches("^[a-z]+:.*")) {
                    continue; // an anchor, or a web address
                }
                Path resolved = doc.getParent().resolve(target).normalize();
                if (!resolved.startsWith(ROOT) || !Files.exists(resolved)) {
                    outside.add(ROOT.relativize(doc) + " -> " + target);
                }
            }
            Matcher shared = SHARED.matcher(text);
            while (shared.find()) {
                outside.add(ROOT.relativize(doc) + " -> " + shared.group());
            }
        }
        assertThat(outside).isEmpty();
    }

    private static List<Path> markdown() throws IOException {
        try (Stream<Path> files = Files.walk(ROOT)) {
            return files.filter(f -> f.toString().toLowerCase(Locale.ROOT).endsWith(".md"))
                    .filter(f -> {
                        String relative = ROOT.relativize(f).toString();
                        return !relative.startsWith(".") && !relative.contains("/target/")
                                && !relative.startsWith("target/") && !relative.contains("node_modules");
                    })
                    .toList();
        }
    }

    /** Fenced blocks hold commands and snippets for other places (e.g. a kustomize overlay). */
    private static String withoutCodeBlocks(String markdown) {
        return markdown.replaceAll("(?s)```.*?```", "");
    }

    private static Set<String> subtract(Set<String> a, Set<String> b) {
        Set<String> rest = new TreeSet<>(a);
        rest.removeAll(b);
        return rest;
    }
}
