package dev.kedai.devstack;

import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

import dev.kedai.infra.Infra;
import dev.kedai.infra.InfraEndpoints;
import dev.kedai.infra.OpenSearchNode;

/**
 * The whole local run: the infrastructure (each server a child process of this JVM, with an
 * OpenSearch node when {@code --search opensearch}), then the services. {@link #close()} stops
 * services first, then the infrastructure; it may run on the
 * shutdown-hook thread while {@link #start} is still under way, and then stops whatever has
 * started so far.
 */
public final class DevStack implements AutoCloseable {
    private final StackConfig config;
    /** Held while Infra.start runs, so a concurrent close waits for the servers it must stop. */
    private final ReentrantLock infraStart = new ReentrantLock();
    private volatile Infra infra;
    private volatile OpenSearchNode search;
    private volatile Stack stack;
    private volatile boolean closing;

    public DevStack(StackConfig config) {
        this.config = config;
    }

    /**
     * Starts the infrastructure and (unless infra-only) the five services, seeding the demo
     * catalog on the first start; returns when all are ready.
     */
    public InfraEndpoints start(Progress progress, Consumer<String> serviceErrors) {
        infraStart.lock();
        try {
            if (closing) {
                throw new StackException("stopped during start-up", 130);
            }
            progress.step("starting infrastructure (data in " + config.infraDataDir() + ")");
            // OpenSearch takes as long as Kafka to start: side by side with the others
            CompletableFuture<OpenSearchNode> node = config.search().openSearch()
                    ? CompletableFuture.supplyAsync(this::startSearch, task -> Thread.ofVirtual().start(task))
                    : CompletableFuture.completedFuture(null);
            try {
                infra = Infra.start(config.infraSettings(), progress::step);
            } finally {
                search = joinSearch(node);
            }
            if (search != null) {
                progress.step("OpenSearch ready at " + search.url() + " (pid " + search.pid() + ")");
            }
        } finally {
            infraStart.unlock();
        }
        InfraEndpoints endpoints = infra.endpoints();
        if (!config.infraOnly()) {
            Stack services = new Stack(config.stackSpec(DevPasswords.loadOrCreate(config.passwordsFile())));
            stack = services;
            if (closing) {
                throw new StackException("stopped during start-up", 130);
            }
            services.start(endpoints, progress, serviceErrors);
            // after the services: their migrations have made the tables
            int seeded = DemoCatalog.seedIfEmpty(endpoints, progress::step);
            if (seeded > 0 && search != null) {
                // the demo rows were written with SQL, not through the product service: no events fed the index
                new SearchReindex(config).run(progress::step);
            }
        }
        return endpoints;
    }

    private OpenSearchNode startSearch() {
        try {
            SearchSettings s = config.search();
            return OpenSearchNode.start(config.infraDataDir().resolve("opensearch"), s.port(), s.transportPort());
        } catch (IOException e) {
            throw new StackException("OpenSearch did not start: " + e.getMessage(), 1);
        }
    }

    // waits for the node even when Infra.start failed, so close() can stop it
    private static OpenSearchNode joinSearch(CompletableFuture<OpenSearchNode> node) {
        try {
            return node.join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : e;
        }
    }

    public StackConfig config() {
        return config;
    }

    public Optional<Stack> stack() {
        return Optional.ofNullable(stack);
    }

    public boolean isClosing() {
        return closing;
    }

    /** Services first (they flush and close connections), then MariaDB, Redis, Kafka. Idempotent. */
    @Override
    public void close() {
        closing = true;
        Stack services = stack;
        if (services != null) {
            services.close();
        }
        try {
            // Infra.start may be running on the main thread: wait for it, then stop what it started.
            if (!infraStart.tryLock(Duration.ofMinutes(2).toMillis(), TimeUnit.MILLISECONDS)) {
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        try {
            if (search != null) {
                search.close();
            }
            if (infra != null) {
                infra.close();
            }
        } finally {
            infraStart.unlock();
        }
    }
}
