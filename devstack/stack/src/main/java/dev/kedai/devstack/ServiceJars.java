package dev.kedai.devstack;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** Finds the services' runnable jars in the checkout. */
public final class ServiceJars {
    public static final String BUILD_HINT = "build first: ./kedai up builds, or ./mvnw install -DskipTests";

    private ServiceJars() {
    }

    /** The jar of every service; fails naming the missing ones and how to build them (exit code 1). */
    public static Map<KedaiService, Path> require(Path repoRoot) {
        Map<KedaiService, Path> jars = new EnumMap<>(KedaiService.class);
        for (KedaiService service : KedaiService.values()) {
            jars.put(service, service.jar(repoRoot));
        }
        List<String> missing = jars.entrySet().stream()
                .filter(e -> !Files.isRegularFile(e.getValue()) || !Files.isDirectory(e.getValue().resolveSibling("libs")))
                .map(e -> repoRoot.relativize(e.getValue()).toString())
                .toList();
        if (!missing.isEmpty()) {
            throw new StackException("service jars missing (" + String.join(", ", missing) + "); " + BUILD_HINT, 1);
        }
        return jars;
    }
}
