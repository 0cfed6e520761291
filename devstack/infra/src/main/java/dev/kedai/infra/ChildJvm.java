package dev.kedai.infra;

import java.io.File;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** The command line that runs a main class of this JVM's class path in a JVM of its own (the broker, the fault suite's edge). */
public final class ChildJvm {

    /**
     * The heap's shape for the small JVMs of a laptop stack (services, the broker, the launcher):
     * start at 64 MiB with a 16 MiB young generation and give memory back after a full GC once more
     * than 40 % is free. With only {@code -Xmx} a JVM commits its whole maximum at start and touches
     * a third of it as eden within seconds: 30–55 MiB more resident per idle JVM; eden is touched
     * whole within seconds too, so 16 MiB instead of 32 is 80 MiB less for the idle stack, at 2–3 %
     * more CPU per request at full load (docs/benchmarks.md "Start-up and memory"). {@code kedai}'s
     * launcher line repeats it for the launcher itself, with 32 MiB: it relays every request.
     */
    public static final List<String> SMALL_HEAP = List.of("-Xms64m", "-Xmn16m", "-XX:MinHeapFreeRatio=20",
                                                          "-XX:MaxHeapFreeRatio=40");

    /**
     * Give the C heap's freed memory back to the system once a minute (JDK 22+; older JDKs lack the
     * flag): glibc keeps what start-up and the JIT compilers malloc'd and freed, 5–25 MiB per JVM
     * of an idle stack. Every 5 or 15 s it slowed the cold start (the compilers malloc the same pages
     * again); once a minute it did not show. {@code kedai}'s launcher line repeats it.
     */
    public static final List<String> RETURN_FREED_NATIVE_MEMORY = Runtime.version().feature() >= 22
            ? List.of("-XX:TrimNativeHeapInterval=60000")
            : List.of();

    /**
     * The optimising compiler (C2) waits for ten times the usual calls and loop turns before it
     * compiles a method. Five services, the broker and the launcher start together on a laptop's
     * cores, and C2 compiling start-up code that never runs again took a third of that CPU: the
     * whole stack was up in 21.3–21.9 s with HotSpot's thresholds, 15.6–16.7 s with these. A
     * request path is called far more than 50,000 times in the first seconds under load, so it
     * still reaches C2: {@code bench/ceiling}'s second round measured the same per-request CPU
     * (docs/benchmarks.md "Cold start on a fresh clone"). {@code kedai}'s launcher line and
     * {@code bench/ceiling}'s ceiling app repeat it. Only for a cold start: a JVM restarted under
     * load needs its C2 soon ({@code JvmOptions.forStackStart}).
     */
    public static final List<String> LATE_OPTIMIZING_COMPILER = List.of(
            "-XX:Tier4InvocationThreshold=50000", "-XX:Tier4MinInvocationThreshold=6000",
            "-XX:Tier4CompileThreshold=150000", "-XX:Tier4BackEdgeThreshold=400000");

    private ChildJvm() {
    }

    /**
     * {@code java <options> -cp <this class path, absolute> <main> <args>} with this JVM's java and,
     * on JDK 23+, the Unsafe/native-access flags protobuf, Netty and Kafka need.
     */
    public static List<String> command(List<String> options, Class<?> main, List<String> args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(options);
        if (Runtime.version().feature() >= 23 && !options.contains("--enable-native-access=ALL-UNNAMED")) {
            command.addAll(List.of("--sun-misc-unsafe-memory-access=allow", "--enable-native-access=ALL-UNNAMED"));
        }
        command.addAll(List.of("-cp", classPath(), main.getName()));
        command.addAll(args);
        return command;
    }

    /** This JVM's class path with absolute entries: the child may run in another working directory. */
    private static String classPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .filter(entry -> !entry.isBlank())
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
    }
}
