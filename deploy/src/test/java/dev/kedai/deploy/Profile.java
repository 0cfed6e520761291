package dev.kedai.deploy;

import java.nio.file.Path;
import java.util.Optional;

/**
 * A way the chart is installed: its values file over values.yaml (none: the defaults, as k8s/ is
 * rendered). EXTERNAL is the tests' own "external everything" profile: every piece of
 * infrastructure outside the release and every value that must reach Kong changed.
 */
enum Profile {
    DEFAULTS(null),
    MINIMAL("values-minimal.yaml"),
    HA("values-ha.yaml"),
    EXTERNAL("../../deploy/src/test/resources/values-external.yaml");

    private final String valuesFile;

    Profile(String valuesFile) {
        this.valuesFile = valuesFile;
    }

    Optional<Path> valuesFile() {
        return Optional.ofNullable(valuesFile).map(f -> Repo.chart().resolve(f).normalize());
    }
}
