/**
 * Health of what a service depends on and of what it runs: {@link dev.kedai.platform.health.DependencyHealth}
 * (Kafka, Redis: details and metrics, never readiness; the database's readiness is
 * {@code db.Database#readiness()}) and {@link dev.kedai.platform.health.SupervisedLoop} (background
 * loops that cannot die, watched by liveness).
 */
package dev.kedai.platform.health;
