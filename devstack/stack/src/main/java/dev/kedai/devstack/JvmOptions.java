package dev.kedai.devstack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import dev.kedai.infra.ChildJvm;

/** The JVM the services run on: the launcher's own, with a modest footprint. */
public final class JvmOptions {

    private JvmOptions() {
    }

    /** The java binary running this launcher, so the services get the same JDK. */
    public static Path javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /**
     * Options for a service JVM: five of them plus the infra share a laptop, so a small heap that
     * starts smaller ({@link ChildJvm#SMALL_HEAP}), the serial GC and freed C heap returned
     * ({@link ChildJvm#RETURN_FREED_NATIVE_MEMORY}); the Unsafe/native-access
     * flags only on JDK 23+ (JDK 21/22 refuse them). The JIT as HotSpot sets it: a service
     * restarted under load (the fault suite's kills and rolling deploys) must reach full speed soon.
     */
    public static List<String> forService(String heap) {
        List<String> options = new ArrayList<>(List.of(
                "-Xmx" + heap,
                "-XX:+UseSerialGC",
                "-XX:+ExitOnOutOfMemoryError"));
        if (megabytes(heap) >= 128) {
            options.addAll(ChildJvm.SMALL_HEAP);
        }
        options.addAll(ChildJvm.RETURN_FREED_NATIVE_MEMORY);
        if (Runtime.version().feature() >= 23) {
            options.add("--sun-misc-unsafe-memory-access=allow");
            options.add("--enable-native-access=ALL-UNNAMED");
        }
        return options;
    }

    /**
     * {@link #forService} with C2 later ({@link ChildJvm#LATE_OPTIMIZING_COMPILER}): the services
     * of {@code ./kedai up}, which start all at once with nothing to serve yet, so their start-up
     * code need not be optimised. Not for a service restarted under load (the fault suite's kills
     * and rolling deploys), whose request path should reach C2 as soon as HotSpot would take it
     * there. (The "busy" refusals after a cartorder kill first blamed on these thresholds came back
     * without them: a lull taken for a recovery, docs/reliability.md bug 28.)
     */
    public static List<String> forStackStart(String heap) {
        List<String> options = new ArrayList<>(forService(heap));
        options.addAll(ChildJvm.LATE_OPTIMIZING_COMPILER);
        return options;
    }

    /** {@code 192m} → 192, {@code 1g} → 1024, {@code 65536k} → 64, bytes → MiB (the forms {@code -Xmx} takes). */
    static long megabytes(String size) {
        if (Character.isDigit(size.charAt(size.length() - 1))) {
            return Long.parseLong(size) / (1024 * 1024);
        }
        long n = Long.parseLong(size.substring(0, size.length() - 1));
        return switch (Character.toLowerCase(size.charAt(size.length() - 1))) {
            case 'g' -> n * 1024;
            case 'k' -> n / 1024;
            default -> n;
        };
    }
}
