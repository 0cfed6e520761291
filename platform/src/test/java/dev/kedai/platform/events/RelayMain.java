package dev.kedai.platform.events;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;

import dev.kedai.infra.DbAccount;
import dev.kedai.platform.db.Database;
import dev.kedai.platform.db.TestDatabases;

/**
 * An outbox relay with the default lease in a JVM of its own, as a service replica runs it:
 * {@code RelayMain <jdbc url> <user> <password> <bootstrap> <relay id>}. Relays until it is
 * killed (a replica that dies without handing its lease back).
 */
public final class RelayMain {

    private RelayMain() {
    }

    public static void main(String[] args) throws InterruptedException {
        Database database = Database.start(TestDatabases.dbConfig(new DbAccount(args[0], args[1], args[2]),
                                                                  TestDatabases.TEST_MIGRATIONS));
        OutboxRelay.builder(database.client(), args[3]).relayId(args[4])
                .pollInterval(Duration.ofMillis(20)).batchSize(20).build().start();
        new CountDownLatch(1).await();
    }
}
