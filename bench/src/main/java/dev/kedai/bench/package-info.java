/**
 * Kedai's open-loop load generator: requests go out on a fixed schedule whatever the server
 * does, and each latency is measured from the time the request was due, so a stalled server
 * cannot hide its queue (no coordinated omission). {@link dev.kedai.bench.Main} is the CLI;
 * {@link dev.kedai.bench.Scenario} is what a scenario implements.
 */
package dev.kedai.bench;
