package dev.kedai.bench;

import java.net.URI;
import java.time.Duration;

import io.helidon.webclient.api.WebClient;

/**
 * What a scenario gets in {@link Scenario#setup}: the run's client (already pointed at the
 * loopback target, for set-up calls such as logging in), the target and the per-request timeout.
 */
public record ScenarioContext(WebClient client, URI target, Duration timeout) {
}
