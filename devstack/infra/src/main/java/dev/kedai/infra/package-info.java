/**
 * Kedai's infrastructure for laptops and tests: embedded MariaDB, Redis and Kafka started in
 * this JVM ({@link dev.kedai.infra.Infra}), the per-service database and topic set-up
 * ({@link dev.kedai.infra.Databases}, {@link dev.kedai.infra.KafkaTopics}) and the test fixture
 * ({@link dev.kedai.infra.TestInfra}).
 */
package dev.kedai.infra;
