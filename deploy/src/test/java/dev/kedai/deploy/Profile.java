package dev.kedai.deploy;

import java.nio.file.Path;
import java.util.Optional;

/** A way the chart is installed: its values file over values.yaml (none: the defaults, as k8s/ is rendered). */
enum Profile {
    DEFAULTS(null),
    MINIMAL("values-minimal.yaml"),
    HA("values-ha.yaml");

    private final String valuesFile;

    Profile(String valuesFile) {
        this.valuesFile = valuesFile;
    }

    Optional<Path> valuesFile() {
        return Optional.ofNullable(valuesFile).map(f -> Repo.chart().resolve(f));
    }
}
