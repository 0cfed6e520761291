package dev.kedai.devstack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The JVM the services run on: the launcher's own, with a modest footprint. */
public final class JvmOptions {

    private JvmOptions() {
    }

    /** The java binary running this launcher, so the services get the same JDK. */
    public static Path javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java");
    }

    /**
     * Options for a service JVM: five of them plus the infra share a laptop, so a small heap and
     * the serial GC; the Unsafe/native-access flags only on JDK 23+ (JDK 21/22 refuse them).
     */
    public static List<String> forService(String heap) {
        List<String> options = new ArrayList<>(List.of(
                "-Xmx" + heap,
                "-XX:+UseSerialGC",
                "-XX:+ExitOnOutOfMemoryError"));
        if (Runtime.version().feature() >= 23) {
            options.add("--sun-misc-unsafe-memory-access=allow");
            options.add("--enable-native-access=ALL-UNNAMED");
        }
        return options;
    }
}
