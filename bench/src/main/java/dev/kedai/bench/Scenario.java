package dev.kedai.bench;

import java.net.URI;

/**
 * One kind of load. Register a new one in {@link Scenarios}.
 */
public interface Scenario {

    /** Name used on the command line and in result file names, e.g. {@code stock-list}. */
    String name();

    /** One line for {@code --help}. */
    String description();

    /** Where the scenario's service listens when nothing else is said. */
    URI defaultTarget();

    /**
     * Runs once before the warm-up, e.g. to log in or create the data the requests read.
     * Its requests are not recorded.
     */
    default void setup(ScenarioContext context) throws Exception {
    }

    /**
     * The request for schedule slot {@code sequence} (0, 1, 2 … across warm-up and measured
     * phase). Called from the single scheduling thread, so it need not be thread-safe, but it
     * must be cheap: time spent here delays the schedule (and shows up as send lag).
     */
    BenchRequest nextRequest(long sequence);
}
