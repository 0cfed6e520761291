package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * docs/security.md has one row per OWASP API Security Top 10 (2023) risk, and every test a row
 * names exists: {@code `Class.method`}, {@code `.method`} (of the class named before it),
 * {@code `Class.*`} or {@code `Class`}, each a test class of the repository.
 */
class SecurityDocTest {
    private static final Path ROOT = StackConfig.findRepoRoot(Path.of("")).orElseThrow();
    private static final Pattern ROW = Pattern.compile("^\\| (API(\\d+)) [^|]+\\|.*\\|([^|]*)\\|\\s*$", Pattern.MULTILINE);
    private static final Pattern TEST = Pattern.compile("`([A-Z]\\w*)?(?:\\.(\\w+|\\*))?`");

    @Test
    void everyOwaspApiRiskHasARowAndEveryTestItNamesExists() throws IOException {
        String doc = Files.readString(ROOT.resolve("docs/security.md"));
        Map<String, Path> testClasses = testClasses();
        List<String> rows = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Matcher row = ROW.matcher(doc);
        while (row.find()) {
            rows.add(row.group(1));
            int named = 0;
            String current = null;
            Matcher test = TEST.matcher(row.group(3));
            while (test.find()) {
                current = test.group(1) != null ? test.group(1) : current;
                if (current == null || !current.endsWith("Test")) {
                    continue;
                }
                named++;
                Path file = testClasses.get(current);
                if (file == null) {
                    missing.add(row.group(1) + ": no test class " + current);
                } else if (test.group(2) != null && !test.group(2).equals("*")
                        && !Files.readString(file).contains("void " + test.group(2) + "(")) {
                    missing.add(row.group(1) + ": no test " + current + "." + test.group(2));
                }
            }
            assertThat(named).as("%s names a test", row.group(1)).isPositive();
        }
        assertThat(rows).containsExactly("API1", "API2", "API3", "API4", "API5", "API6", "API7", "API8", "API9", "API10");
        assertThat(missing).isEmpty();
    }

    private static Map<String, Path> testClasses() throws IOException {
        Map<String, Path> classes = new HashMap<>();
        try (Stream<Path> files = Files.walk(ROOT)) {
            files.filter(f -> f.toString().endsWith("Test.java") && f.toString().contains("/src/test/java/"))
                    .forEach(f -> classes.put(f.getFileName().toString().replace(".java", ""), f));
        }
        return classes;
    }
}
