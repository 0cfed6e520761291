/** Readiness checks of the shared dependencies (Kafka, Redis); the database's is {@code db.Database#readiness()}. */
package dev.kedai.platform.health;
