package dev.kedai.infra;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import javax.xml.parsers.DocumentBuilderFactory;

import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * After a test run ({@code ./kedai test}): every test the run skipped, with the reason its
 * Surefire report gives. A test may be skipped only when it is disabled for an open issue
 * ({@code @Disabled("issue 11: ...")}); with {@code --fail} (CI) any other skip fails the run,
 * so a test that must run — because its tool is missing, say — cannot pass by not running.
 *
 * <pre>
 * java -cp kedai-infra.jar dev.kedai.infra.SkippedTests [--fail] [--since FILE] ROOT
 * </pre>
 * Reads {@code ROOT/**}{@code /target/surefire-reports/TEST-*.xml} (only those newer than FILE, the
 * run's start); exit 1 with {@code --fail} when a skip is not for an open issue.
 */
public final class SkippedTests {

    /** The reason an allowed skip gives: the issue that will make it pass. */
    static final Pattern FOR_AN_ISSUE = Pattern.compile("^issue \\d+: .+");

    /** One skipped test case. */
    record Skip(String testClass, String test, String reason) {
        boolean allowed() {
            return FOR_AN_ISSUE.matcher(reason).matches();
        }

        @Override
        public String toString() {
            return testClass + "." + test + " — " + (reason.isBlank() ? "(no reason given)" : reason);
        }
    }

    private SkippedTests() {
    }

    public static void main(String[] args) {
        boolean fail = false;
        Path since = null;
        Path root = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--fail" -> fail = true;
                case "--since" -> since = Path.of(args[++i]);
                default -> root = Path.of(args[i]);
            }
        }
        if (root == null) {
            System.err.println("usage: SkippedTests [--fail] [--since FILE] ROOT");
            System.exit(2);
        }
        System.exit(report(find(root, since), fail, System.out));
    }

    /** Prints the skips; returns the exit status (1 when {@code fail} and a skip is not for an open issue). */
    static int report(List<Skip> skips, boolean fail, PrintStream out) {
        List<Skip> notAllowed = skips.stream().filter(s -> !s.allowed()).toList();
        if (skips.isEmpty()) {
            out.println("kedai: no test was skipped");
            return 0;
        }
        out.println("kedai: " + skips.size() + " test(s) skipped:");
        skips.forEach(s -> out.println("  " + (s.allowed() ? "" : "NOT ALLOWED ") + s));
        if (fail && !notAllowed.isEmpty()) {
            out.println("kedai: " + notAllowed.size() + " test(s) that must run were skipped (only @Disabled(\"issue N: ...\")"
                    + " for an open issue may skip); install what they need, see .ci/run");
            return 1;
        }
        return 0;
    }

    /** The skipped cases of the reports under {@code root} written after {@code since} (null: all). */
    static List<Skip> find(Path root, Path since) {
        List<Skip> skips = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            FileTime start = since == null ? null : Files.getLastModifiedTime(since);
            for (Path report : files.filter(SkippedTests::isReport).sorted().toList()) {
                if (start == null || Files.getLastModifiedTime(report).compareTo(start) >= 0) {
                    skips.addAll(read(report));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return skips;
    }

    private static boolean isReport(Path p) {
        String name = p.getFileName().toString();
        return name.startsWith("TEST-") && name.endsWith(".xml") && p.getParent() != null
                && p.getParent().getFileName().toString().equals("surefire-reports");
    }

    // @Disabled puts its reason in the message; a failed assumption only in the stack trace's first line
    private static String reason(Element skipped) {
        String message = skipped.getAttribute("message").strip();
        if (!message.isEmpty()) {
            return message;
        }
        String first = skipped.getTextContent().strip().lines().findFirst().orElse("");
        return first.replaceFirst("^[\\w.$]+Exception: ", "").replaceFirst("^Assumption failed: ", "");
    }

    static List<Skip> read(Path report) {
        List<Skip> skips = new ArrayList<>();
        try {
            DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
            factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
            NodeList cases = factory.newDocumentBuilder().parse(report.toFile()).getElementsByTagName("testcase");
            for (int i = 0; i < cases.getLength(); i++) {
                Element testCase = (Element) cases.item(i);
                NodeList skipped = testCase.getElementsByTagName("skipped");
                if (skipped.getLength() > 0) {
                    skips.add(new Skip(testCase.getAttribute("classname"), testCase.getAttribute("name"),
                                       reason((Element) skipped.item(0))));
                }
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot read the test report " + report + ": " + e.getMessage(), e);
        }
        return skips;
    }
}
