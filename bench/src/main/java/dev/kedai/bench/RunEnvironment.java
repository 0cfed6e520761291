package dev.kedai.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * Where a run happened, so a number in a result file can be compared with another one:
 * the same code (git commit), the same JVM, the same core count.
 *
 * @param gitCommit {@code null} when not run inside a git work tree
 * @param gitDirty  whether tracked files differed from that commit; {@code null} when unknown
 */
public record RunEnvironment(String javaVersion, String javaVendor, String vmName, int availableProcessors,
                             long maxHeapMiB, String os, String arch, String gitCommit, Boolean gitDirty) {

    /** Reads this JVM and the git work tree of the current directory. */
    public static RunEnvironment detect() {
        String commit = git("rev-parse", "HEAD");
        Boolean dirty = commit == null ? null : !git("status", "--porcelain", "--untracked-files=no").isEmpty();
        return new RunEnvironment(
                System.getProperty("java.version"),
                System.getProperty("java.vendor"),
                System.getProperty("java.vm.name"),
                Runtime.getRuntime().availableProcessors(),
                Runtime.getRuntime().maxMemory() / (1024 * 1024),
                System.getProperty("os.name") + " " + System.getProperty("os.version"),
                System.getProperty("os.arch"),
                commit,
                dirty);
    }

    // Best effort: no git, no repository or a slow disk must not fail a finished run.
    private static String git(String... args) {
        String[] command = new String[args.length + 1];
        command[0] = "git";
        System.arraycopy(args, 0, command, 1, args.length);
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(false)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return null;
            }
            return process.exitValue() == 0 ? new String(out, StandardCharsets.UTF_8).strip() : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }
}
