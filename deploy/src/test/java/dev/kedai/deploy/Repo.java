package dev.kedai.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the checkout the tests check (found upwards from the working directory). */
final class Repo {
    private static final Path ROOT = find();

    private Repo() {
    }

    static Path root() {
        return ROOT;
    }

    static Path chart() {
        return ROOT.resolve("helm/kedai");
    }

    static Path k8s() {
        return ROOT.resolve("k8s");
    }

    private static Path find() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.isRegularFile(dir.resolve("helm/kedai/Chart.yaml"))) {
                return dir;
            }
        }
        throw new IllegalStateException("run the deploy tests inside the Kedai checkout (no helm/kedai/Chart.yaml above " + Path.of("").toAbsolutePath() + ")");
    }
}
