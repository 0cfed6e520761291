package dev.kedai.faults;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * What a run does.
 *
 * @param root            the Kedai checkout (service jars, kong-ingress)
 * @param dataDir         the stack's state (emptied first)
 * @param rate            journeys offered per second
 * @param customers       customers logged in once each; one journey per customer at a time
 * @param warmup          load before the baseline at least (errors allowed: the JIT is cold; {@link FaultRun#WARM})
 * @param quiet           after recovery, errors are still allowed this long (issue 12: 10 s)
 * @param recoveryTimeout a fault not recovered after this long is a violation
 * @param budget          when set, a fault that could not finish within it is not run (and the run fails)
 * @param faults          the faults, in order
 */
record FaultSettings(Path root, Path dataDir, double rate, int customers, Duration warmup, Duration quiet,
                     Duration recoveryTimeout, Optional<Duration> budget, List<Fault> faults, int replicas) {

    /** Roughly what one fault takes: its hold and restart, the quiet window, and 10 s for recovery and the checks. */
    Duration estimate(Fault fault) {
        return fault.takes().plus(quiet).plusSeconds(10);
    }
}
