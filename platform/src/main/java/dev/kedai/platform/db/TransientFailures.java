package dev.kedai.platform.db;

import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.sql.SQLException;
import java.sql.SQLRecoverableException;
import java.sql.SQLTimeoutException;
import java.sql.SQLTransactionRollbackException;
import java.sql.SQLTransientConnectionException;
import java.util.NoSuchElementException;
import java.util.Optional;

import org.apache.kafka.common.errors.RetriableException;
import redis.clients.jedis.exceptions.JedisBusyException;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.exceptions.JedisException;

/**
 * The one answer to "will the same work succeed if it is simply tried again?". A transient
 * failure says nothing about the work itself: the server chose this transaction as a deadlock
 * victim, a row lock was held too long, the connection broke, the pool had no connection to lend
 * (a database outage looks the same from here), a statement ran past its timeout, the Kafka broker
 * did not answer in time, or Redis could not be reached. Everything else (a constraint violation,
 * a syntax error, a domain refusal, a payload that does not parse) is deterministic: the same work
 * fails again.
 *
 * <p>Used by {@link Transactions} (which re-runs only {@linkplain Kind#isLockConflict() lock
 * conflicts}: the transaction was rolled back whole, so running it again at once is safe), by the
 * gRPC and HTTP error mappings (a transient failure is "unavailable, try again", never a 500), and
 * meant for every loop that must tell "wait and retry" from "give up" (event consumer, relay).
 *
 * <p>The whole cause chain is searched, so the exceptions Helidon's DbClient wraps around the
 * driver's are classified by the driver's.
 */
public final class TransientFailures {

    /** MySQL/MariaDB ER_LOCK_WAIT_TIMEOUT. */
    static final int LOCK_WAIT_TIMEOUT = 1205;
    /** MySQL/MariaDB ER_LOCK_DEADLOCK. */
    static final int DEADLOCK = 1213;
    /** SQLSTATE of a serialization failure (a deadlock victim), whatever the server. */
    private static final String SERIALIZATION_FAILURE = "40001";
    /** MariaDB ER_STATEMENT_TIMEOUT (max_statement_time exceeded). */
    static final int STATEMENT_TIMEOUT = 1969;
    /** MySQL ER_QUERY_TIMEOUT (max_execution_time exceeded). */
    static final int QUERY_TIMEOUT = 3024;
    /** SQLSTATE class of connection exceptions. */
    private static final String CONNECTION_CLASS = "08";
    private static final int MAX_DEPTH = 32;

    /** What kind of transient failure; its name in lower case is the {@code reason} label of metrics. */
    public enum Kind {
        /** This transaction was chosen as a deadlock victim and rolled back. */
        DEADLOCK,
        /** A row lock was not granted within {@code innodb_lock_wait_timeout}. */
        LOCK_WAIT_TIMEOUT,
        /** No connection: refused, broken, or none free in the pool within its timeout. */
        CONNECTION,
        /** A statement ran past its timeout (the server's statement timeout, or the driver's socket timeout). */
        TIMEOUT,
        /** The Kafka client gave up on a request that may succeed later (broker away, leader moving, timeout). */
        KAFKA,
        /** Redis could not be reached, did not answer in time, or the pool had no connection to lend. */
        REDIS;

        /** A lost lock conflict: running the same transaction again at once is safe and likely to succeed. */
        public boolean isLockConflict() {
            return this == DEADLOCK || this == LOCK_WAIT_TIMEOUT;
        }

        /** {@code deadlock}, {@code lock_wait_timeout}, {@code connection}, {@code timeout}, {@code kafka}, {@code redis}. */
        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private TransientFailures() {
    }

    /** True when {@code failure} (or one of its causes) is transient: retrying later may succeed. */
    public static boolean isTransient(Throwable failure) {
        return kind(failure).isPresent();
    }

    /** True when {@code failure} is a deadlock or a lock wait timeout (see {@link Kind#isLockConflict()}). */
    public static boolean isLockConflict(Throwable failure) {
        return kind(failure).map(Kind::isLockConflict).orElse(false);
    }

    /** The kind of the first transient failure in the cause chain, empty for a deterministic one. */
    public static Optional<Kind> kind(Throwable failure) {
        Throwable c = failure;
        for (int depth = 0; c != null && depth < MAX_DEPTH; depth++, c = c.getCause()) {
            Kind kind = ofOne(c);
            if (kind != null) {
                return Optional.of(kind);
            }
        }
        return Optional.empty();
    }

    private static Kind ofOne(Throwable t) {
        if (t instanceof SQLException sql) {
            // by code first: Connector/J reports a lock wait timeout with the deadlock's SQLSTATE too
            if (sql.getErrorCode() == LOCK_WAIT_TIMEOUT) {
                return Kind.LOCK_WAIT_TIMEOUT;
            }
            if (sql.getErrorCode() == DEADLOCK || SERIALIZATION_FAILURE.equals(sql.getSQLState())) {
                return Kind.DEADLOCK;
            }
            if (sql instanceof SQLTransactionRollbackException) {
                return Kind.DEADLOCK;
            }
            if (sql instanceof SQLTimeoutException || sql.getErrorCode() == STATEMENT_TIMEOUT
                    || sql.getErrorCode() == QUERY_TIMEOUT) {
                return Kind.TIMEOUT;
            }
            // the pool's "connection is not available" (also what a database outage looks like),
            // a broken connection, or any SQLSTATE 08xxx
            if (sql instanceof SQLTransientConnectionException || sql instanceof SQLRecoverableException
                    || (sql.getSQLState() != null && sql.getSQLState().startsWith(CONNECTION_CLASS))) {
                return Kind.CONNECTION;
            }
            return null;
        }
        if (t instanceof ConnectException) {
            return Kind.CONNECTION;
        }
        if (t instanceof SocketTimeoutException) {
            return Kind.TIMEOUT;
        }
        if (t instanceof RetriableException) {
            return Kind.KAFKA;
        }
        // JedisConnectionException: refused, reset, read timeout; a pool with nothing to lend
        // within its wait throws JedisException caused by NoSuchElementException
        if (t instanceof JedisConnectionException || t instanceof JedisBusyException
                || (t instanceof JedisException && t.getCause() instanceof NoSuchElementException)) {
            return Kind.REDIS;
        }
        // a Redis that has just restarted answers every command "LOADING ..." until its data is read back
        if (t instanceof JedisDataException && t.getMessage() != null && t.getMessage().startsWith("LOADING")) {
            return Kind.REDIS;
        }
        return null;
    }
}
