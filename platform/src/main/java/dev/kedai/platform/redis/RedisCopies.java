package dev.kedai.platform.redis;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import java.util.function.ToIntFunction;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.kedai.platform.health.SupervisedLoop;
import dev.kedai.platform.observe.OutcomeCounter;
import io.helidon.common.config.Config;
import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.util.JedisURIHelper;
import redis.clients.jedis.util.RedisInputStream;
import redis.clients.jedis.util.RedisOutputStream;

/**
 * Values of Redis keys kept in this replica's memory for as long as Redis says they have not
 * changed, so a hot read costs no round trip (Redis's server-assisted client-side caching: one
 * connection per replica with {@code CLIENT TRACKING ... BCAST PREFIX} over the {@link #track}ed
 * prefixes, subscribed to its own invalidations).
 *
 * <p>Read-your-writes, here and in every other replica, rests on three rules:
 * <ul>
 * <li>A writer calls {@link #written} after its write returned and before it answers: one more
 *     round trip, which Redis reads only after it has sent the write's invalidation to every
 *     tracking connection (both leave in the same flush of its event loop, in no pinned order).</li>
 * <li>A read first drains this replica's tracking socket itself (a non-blocking read), rather than
 *     trusting a thread that may not have run yet: an invalidation that reached the socket before
 *     the read began is applied before a copy is served. Concurrent reads share one drain.</li>
 * <li>A copy is served only under a lease: the tracking connection answered a ping sent less than
 *     {@code lease} ago, and the lease is shorter than {@code redis.timeout}. A Redis that stops
 *     answering (paused, gone, a cut network) is no longer trusted before any writer whose write
 *     it swallowed gives up on it; a lost connection empties every copy.</li>
 * </ul>
 * A value read from Redis is kept only if no invalidation was applied while it was read. On one
 * host this is strict; across hosts it is as strict as the network's delivery of the
 * invalidation before the client's next request, which is the practice, not a proof.
 *
 * <p>Without tracking ({@link #none}, or {@code rediss://}: TLS is not spoken here) every read goes
 * to Redis, as before.
 *
 * <p>Config (root): {@code redis.url}, {@code redis.timeout} (as {@link RedisPool}),
 * {@code redis.copies.enabled} (default true), {@code redis.copies.max-bytes} (default 16 MiB: the
 * copies' own bytes as their readers weigh them, least recently and least often used dropped first;
 * by bytes, not by count, as one product body may weigh 50 KB and a heap is 192 MB).
 */
public final class RedisCopies implements AutoCloseable {

    private static final System.Logger LOG = System.getLogger(RedisCopies.class.getName());
    private static final byte[] INVALIDATE = "__redis__:invalidate".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] PING = command(new CommandArguments(Protocol.Command.PING));
    /** A connection whose pings go unanswered this long is dropped and opened again. */
    private static final Duration SILENT_FOR = Duration.ofSeconds(2);
    private static final long DEFAULT_MAX_BYTES = 16L * 1024 * 1024;
    /** What a copy costs beside its value: its key's characters plus this (the entry, the key's object). */
    private static final int ENTRY_BYTES = 96;

    private final UnifiedJedis redis;
    private final Tracking tracking;   // null: every read asks Redis
    // kedai_redis_copies_lookups_total{outcome}: copy (served from memory), read (asked Redis), untrusted (no lease)
    private final OutcomeCounter lookups = OutcomeCounter.create("kedai.redis.copies.lookups",
            "Reads of Redis keys by whether a copy in memory answered", "outcome", "copy", "read", "untrusted");

    private RedisCopies(UnifiedJedis redis, Tracking tracking) {
        this.redis = redis;
        this.tracking = tracking;
    }

    /** Every read asks Redis: for tests and tools. */
    public static RedisCopies none(UnifiedJedis redis) {
        return new RedisCopies(redis, null);
    }

    /** Copies of the keys of {@code redis.url}, kept fresh by a tracking connection of their own. */
    public static RedisCopies create(Config root, UnifiedJedis redis) {
        Config config = root.get("redis");
        URI uri = URI.create(config.get("url").asString().get());
        Duration timeout = config.get("timeout").as(Duration.class).orElse(Duration.ofMillis(250));
        if (!config.get("copies.enabled").asBoolean().orElse(true)) {
            return none(redis);
        }
        if (JedisURIHelper.isRedisSSLScheme(uri)) {
            LOG.log(Level.INFO, "redis.url is TLS: no copies in memory, every read asks Redis");
            return none(redis);
        }
        return create(root.get("service.name").asString().orElse("unnamed"), uri, timeout,
                      config.get("copies.max-bytes").asLong().orElse(DEFAULT_MAX_BYTES), redis);
    }

    /** Explicit settings (tests, tools). */
    public static RedisCopies create(String name, URI uri, Duration timeout, long maxBytes, UnifiedJedis redis) {
        return new RedisCopies(redis, new Tracking("redis-tracking-" + name, uri, timeout, maxBytes));
    }

    /** The pooled client, for everything that is not a tracked read. */
    public UnifiedJedis redis() {
        return redis;
    }

    /**
     * Keys starting with {@code prefix} may be copied. Call it while wiring: the tracking connection
     * opens at the first read; a prefix added later opens it again (every copy is dropped once).
     */
    public RedisCopies track(String prefix) {
        if (tracking != null) {
            tracking.track(prefix);
        }
        return this;
    }

    /**
     * The value of {@code key}: this replica's copy when it may be trusted, else {@code read} now
     * (with {@link #redis()}), kept unless it is null or the key changed meanwhile. Exceptions of
     * {@code read} are not kept and reach the caller. A key must always be read with the same
     * {@code read}: the copy is what it returned.
     *
     * @param bytes what a value weighs (about its bytes), against {@code redis.copies.max-bytes}
     */
    @SuppressWarnings("unchecked")
    public <V> V get(String key, Function<String, V> read, ToIntFunction<? super V> bytes) {
        if (tracking == null) {
            return read.apply(key);
        }
        long began = System.nanoTime();
        if (!tracking.trusted(began) || !tracking.tracks(key)) {
            tracking.started();
            lookups.increment("untrusted");
            return read.apply(key);
        }
        tracking.drainSince(began);
        Copy copy = tracking.copies.getIfPresent(key);
        if (copy != null) {
            lookups.increment("copy");
            return (V) copy.value();
        }
        lookups.increment("read");
        long seen = tracking.invalidations;
        V value = read.apply(key);
        if (value != null) {
            tracking.keep(key, new Copy(value, key.length() + ENTRY_BYTES + bytes.applyAsInt(value)), seen);
        }
        return value;
    }

    /**
     * After this caller's write of {@code key} returned and before it answers: drops the copy here,
     * then one round trip, so that every replica's tracking socket holds the invalidation.
     *
     * @throws RuntimeException when Redis does not answer the round trip (treat as a failed write)
     */
    public void written(String key) {
        if (tracking == null) {
            return;
        }
        tracking.drop(key);
        redis.ping();
    }

    @Override
    public void close() {
        if (tracking != null) {
            tracking.close();
        }
    }

    private static byte[] command(CommandArguments args) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        RedisOutputStream out = new RedisOutputStream(bytes);
        Protocol.sendCommand(out, args);
        try {
            out.flush();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);   // not thrown by an in-memory stream
        }
        return bytes.toByteArray();
    }

    /** A value kept, with its weight. */
    private record Copy(Object value, int bytes) {
    }

    /** The tracking connection and the copies it guards. */
    private static final class Tracking implements AutoCloseable {

        private final URI uri;
        private final int timeoutMillis;
        private final long leaseNanos;
        private final Cache<String, Copy> copies;
        private final Set<String> prefixes = ConcurrentHashMap.newKeySet();
        // guards the channel, the parse buffer, the pings and every change to copies
        private final ReentrantLock lock = new ReentrantLock();
        private final ArrayDeque<Long> pingsSent = new ArrayDeque<>();
        private final ByteBuffer readBuffer = ByteBuffer.allocate(16 * 1024);
        private final SupervisedLoop loop;
        private SocketChannel channel;
        private volatile String[] trackedOnChannel = new String[0];
        private volatile boolean prefixesChanged;   // since the connection was opened
        private byte[] unparsed = new byte[0];
        private volatile long invalidations;       // bumped under the lock by every drop
        private volatile long trustedUntil = System.nanoTime();
        private volatile long drainedFrom = System.nanoTime();   // start of the latest finished drain

        Tracking(String name, URI uri, Duration timeout, long maxBytes) {
            this.uri = uri;
            this.timeoutMillis = (int) Math.max(1, timeout.toMillis());
            // shorter than a writer's timeout, with room for a ping in flight
            this.leaseNanos = timeout.toNanos() * 3 / 5;
            // eviction in the caller's thread (under the lock of keep), so the bound holds when keep returns
            this.copies = Caffeine.newBuilder().maximumWeight(maxBytes).weigher((String k, Copy c) -> c.bytes())
                    .executor(Runnable::run).build();
            Duration every = Duration.ofNanos(Math.max(leaseNanos / 5, Duration.ofMillis(5).toNanos()));
            this.loop = SupervisedLoop.builder(name, () -> {
                keepUp();
                return every;
            }).failureBackoff(Duration.ofMillis(100), Duration.ofSeconds(2)).onStop(this::disconnect).build();
        }

        // Redis refuses overlapping prefixes: keep the shortest of any two that overlap
        synchronized void track(String prefix) {
            if (prefixes.stream().anyMatch(prefix::startsWith)) {
                return;
            }
            prefixes.removeIf(p -> p.startsWith(prefix));
            prefixes.add(prefix);
            prefixesChanged = true;
            if (loop.running()) {
                loop.wake();   // a prefix added after the first read: the connection is opened again
            }
        }

        // on the first read, once the wiring has registered every prefix: one connection, not one
        // per prefix; a service that never reads a tracked key holds no connection and no thread
        void started() {
            if (!loop.running() && !prefixes.isEmpty()) {
                loop.start();
            }
        }

        boolean tracks(String key) {
            for (String prefix : trackedOnChannel) {
                if (key.startsWith(prefix)) {
                    return true;
                }
            }
            return false;
        }

        boolean trusted(long now) {
            return now - trustedUntil < 0;
        }

        /** Applies every invalidation that reached the socket before {@code began}. */
        void drainSince(long began) {
            if (drainedFrom - began > 0) {
                return;
            }
            lock.lock();
            try {
                if (drainedFrom - began > 0) {
                    return;
                }
                long start = System.nanoTime();
                drain();
                drainedFrom = start;
            } catch (IOException | RuntimeException e) {
                broken(e);
            } finally {
                lock.unlock();
            }
        }

        void keep(String key, Copy value, long seen) {
            lock.lock();
            try {
                if (invalidations == seen) {
                    copies.put(key, value);
                }
            } finally {
                lock.unlock();
            }
        }

        void drop(String key) {
            lock.lock();
            try {
                copies.invalidate(key);
                invalidations++;
            } finally {
                lock.unlock();
            }
        }

        /** One turn of the loop: (re)connect when needed, apply what came, ping. */
        private void keepUp() throws IOException {
            if (channel == null || prefixesChanged) {
                if (prefixes.isEmpty()) {
                    return;
                }
                reconnect();
            }
            lock.lock();
            try {
                drain();
                if (channel == null) {
                    return;   // a read found it broken meanwhile: the next turn opens it again
                }
                Long oldest = pingsSent.peek();
                if (oldest != null && System.nanoTime() - oldest > SILENT_FOR.toNanos()) {
                    throw new IOException("Redis answered no ping for " + SILENT_FOR.toMillis() + " ms");
                }
                pingsSent.add(System.nanoTime());
                if (channel.write(ByteBuffer.wrap(PING)) != PING.length) {
                    throw new IOException("tracking connection's send buffer is full");
                }
            } catch (IOException | RuntimeException e) {
                broken(e);
                throw e;
            } finally {
                lock.unlock();
            }
        }

        private void reconnect() throws IOException {
            disconnect();
            prefixesChanged = false;   // before the copy: a prefix added during the open reopens it
            Set<String> tracked = Set.copyOf(prefixes);
            SocketChannel opened = SocketChannel.open();
            try {
                opened.socket().connect(new InetSocketAddress(uri.getHost(), uri.getPort() > 0 ? uri.getPort()
                        : Protocol.DEFAULT_PORT), timeoutMillis);
                opened.socket().setSoTimeout(timeoutMillis);
                opened.socket().setTcpNoDelay(true);
                handshake(opened, tracked);
                opened.configureBlocking(false);
            } catch (IOException | RuntimeException e) {
                opened.close();
                throw e;
            }
            lock.lock();
            try {
                channel = opened;
                trackedOnChannel = tracked.toArray(String[]::new);
                unparsed = new byte[0];
                pingsSent.clear();
                copies.invalidateAll();
                invalidations++;
            } finally {
                lock.unlock();
            }
            LOG.log(Level.INFO, () -> "tracking Redis keys " + tracked + " for copies in memory");
        }

        // blocking: AUTH, CLIENT ID, CLIENT TRACKING on REDIRECT <own id> BCAST PREFIX ..., SUBSCRIBE
        private void handshake(SocketChannel opened, Set<String> tracked) throws IOException {
            RedisOutputStream out = new RedisOutputStream(opened.socket().getOutputStream());
            // one byte at a time: nothing after the SUBSCRIBE reply may be read into a buffer here
            RedisInputStream in = new RedisInputStream(opened.socket().getInputStream(), 1);
            String password = JedisURIHelper.getPassword(uri);
            if (password != null) {
                CommandArguments auth = new CommandArguments(Protocol.Command.AUTH);
                String user = JedisURIHelper.getUser(uri);
                if (user != null && !user.isEmpty()) {
                    auth.add(user);
                }
                Protocol.sendCommand(out, auth.add(password));
                out.flush();
                Protocol.read(in);
            }
            Protocol.sendCommand(out, new CommandArguments(Protocol.Command.CLIENT).add("ID"));
            out.flush();
            long id = (Long) Protocol.read(in);
            CommandArguments tracking = new CommandArguments(Protocol.Command.CLIENT)
                    .add("TRACKING").add("ON").add("REDIRECT").add(id).add("BCAST");
            for (String prefix : tracked) {
                tracking.add("PREFIX").add(prefix);
            }
            Protocol.sendCommand(out, tracking);
            out.flush();
            Protocol.read(in);
            Protocol.sendCommand(out, new CommandArguments(Protocol.Command.SUBSCRIBE).add(INVALIDATE));
            out.flush();
            Protocol.read(in);
        }

        // under the lock
        private void drain() throws IOException {
            if (channel == null) {
                return;
            }
            int n;
            while ((n = channel.read(readBuffer.clear())) > 0) {
                byte[] all = Arrays.copyOf(unparsed, unparsed.length + n);
                System.arraycopy(readBuffer.array(), 0, all, unparsed.length, n);
                unparsed = all;
            }
            if (n < 0) {
                throw new IOException("Redis closed the tracking connection");
            }
            int from = 0;
            while (from < unparsed.length) {
                ByteArrayInputStream rest = new ByteArrayInputStream(unparsed, from, unparsed.length - from);
                Object message;
                try {
                    message = Protocol.read(new RedisInputStream(rest, 1));
                } catch (JedisConnectionException incomplete) {
                    break;   // the rest of it is still on its way
                }
                from = unparsed.length - rest.available();
                apply(message);
            }
            unparsed = Arrays.copyOfRange(unparsed, from, unparsed.length);
        }

        private void apply(Object message) {
            if (!(message instanceof List<?> parts) || parts.isEmpty() || !(parts.get(0) instanceof byte[] kind)) {
                return;
            }
            String type = new String(kind, StandardCharsets.US_ASCII);
            if (type.equals("pong")) {
                Long sent = pingsSent.poll();
                if (sent != null) {
                    trustedUntil = sent + leaseNanos;
                }
            } else if (type.equals("message") && parts.size() == 3) {
                if (parts.get(2) instanceof List<?> keys) {
                    for (Object key : keys) {
                        copies.invalidate(new String((byte[]) key, StandardCharsets.UTF_8));
                    }
                } else {
                    copies.invalidateAll();   // FLUSHALL / FLUSHDB
                }
                invalidations++;
            }
        }

        // under the lock, or from the loop before the channel is shared
        private void broken(Exception e) {
            if (channel != null) {
                LOG.log(Level.WARNING, "Redis tracking connection lost, copies in memory dropped: " + e);
            }
            disconnect();
        }

        private void disconnect() {
            lock.lock();
            try {
                trustedUntil = System.nanoTime();
                copies.invalidateAll();
                invalidations++;
                if (channel != null) {
                    try {
                        channel.close();
                    } catch (IOException ignored) {
                        // closing anyway
                    }
                }
                channel = null;
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void close() {
            loop.close();
        }
    }
}
