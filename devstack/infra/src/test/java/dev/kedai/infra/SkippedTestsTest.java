package dev.kedai.infra;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.assertj.core.api.Assertions.assertThat;

class SkippedTestsTest {

    static final String REPORT = """
            <?xml version="1.0" encoding="UTF-8"?>
            <testsuite name="dev.kedai.deploy.K8sManifestsTest" tests="3" skipped="2">
              <testcase name="parses" classname="dev.kedai.deploy.K8sManifestsTest" time="0.1"/>
              <testcase name="kubectlKustomizeBuildsIt" classname="dev.kedai.deploy.K8sManifestsTest" time="0">
                <skipped type="org.opentest4j.TestAbortedException"><![CDATA[org.opentest4j.TestAbortedException: Assumption failed: kubectl is not installed
            	at org.junit.jupiter.api.Assumptions.throwAssumptionFailed(Assumptions.java:316)]]></skipped>
              </testcase>
              <testcase name="readinessIsDbOnly" classname="dev.kedai.deploy.K8sManifestsTest" time="0">
                <skipped message="issue 11: readiness still includes Kafka and Redis"/>
              </testcase>
            </testsuite>
            """;

    @Test
    void aSkipThatIsNotForAnOpenIssueFailsTheRunWhenAsked(@TempDir Path root) throws IOException {
        Path reports = Files.createDirectories(root.resolve("deploy/target/surefire-reports"));
        Files.writeString(reports.resolve("TEST-dev.kedai.deploy.K8sManifestsTest.xml"), REPORT);

        List<SkippedTests.Skip> skips = SkippedTests.find(root, null);
        assertThat(skips).extracting(SkippedTests.Skip::test).containsExactly("kubectlKustomizeBuildsIt", "readinessIsDbOnly");
        assertThat(skips).extracting(SkippedTests.Skip::allowed).containsExactly(false, true);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertThat(SkippedTests.report(skips, true, new PrintStream(out, true, StandardCharsets.UTF_8))).isEqualTo(1);
        assertThat(out.toString(StandardCharsets.UTF_8))
                .contains("NOT ALLOWED dev.kedai.deploy.K8sManifestsTest.kubectlKustomizeBuildsIt — kubectl is not installed")
                .contains("1 test(s) that must run were skipped");
        // a developer's run only prints them
        assertThat(SkippedTests.report(skips, false, new PrintStream(new ByteArrayOutputStream()))).isZero();
        assertThat(SkippedTests.report(List.of(skips.get(1)), true, new PrintStream(new ByteArrayOutputStream()))).isZero();
    }

    @Test
    void reportsOfEarlierRunsAreLeftOut(@TempDir Path root) throws IOException {
        Path reports = Files.createDirectories(root.resolve("deploy/target/surefire-reports"));
        Path old = reports.resolve("TEST-dev.kedai.deploy.K8sManifestsTest.xml");
        Files.writeString(old, REPORT);
        Files.setLastModifiedTime(old, java.nio.file.attribute.FileTime.fromMillis(System.currentTimeMillis() - 60_000));
        Path started = Files.writeString(root.resolve("started"), "");

        assertThat(SkippedTests.find(root, started)).isEmpty();
        assertThat(SkippedTests.find(root, null)).hasSize(2);
    }
}
