package dev.kedai.platform.events;

import io.helidon.dbclient.DbTransaction;

/** Applies one event's effect inside {@code tx}; {@link EventConsumer} commits it. */
@FunctionalInterface
public interface EventHandler {
    void handle(DbTransaction tx, ConsumedEvent event) throws Exception;
}
