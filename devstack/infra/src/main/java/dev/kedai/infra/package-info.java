/**
 * Kedai's infrastructure for laptops and tests: MariaDB, Redis and Kafka, each started as a
 * process of its own that can be stopped, killed, paused and restarted alone
 * ({@link dev.kedai.infra.Infra}, {@link dev.kedai.infra.ServerProcess}) and never outlives the
 * JVM that started it ({@link dev.kedai.infra.ProcessSpawner}); the per-service database and
 * topic set-up ({@link dev.kedai.infra.Databases}, {@link dev.kedai.infra.KafkaTopics}) and the
 * test fixture ({@link dev.kedai.infra.TestInfra}).
 */
package dev.kedai.infra;
