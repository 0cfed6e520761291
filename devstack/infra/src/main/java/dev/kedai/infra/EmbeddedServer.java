package dev.kedai.infra;

/** A server {@link Infra} started: its process, and closing it stops that process. */
interface EmbeddedServer extends AutoCloseable {

    ServerProcess process();

    @Override
    default void close() {
        process().stop();
    }
}
