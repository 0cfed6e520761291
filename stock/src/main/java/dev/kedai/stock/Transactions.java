package dev.kedai.stock;

import java.lang.System.Logger.Level;
import java.sql.SQLException;
import java.util.function.Function;
import java.util.function.Predicate;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbTransaction;

/**
 * Runs work in one database transaction: committed when it returns, rolled back when it throws.
 * A transaction that InnoDB chose as a deadlock victim is run again (it was rolled back whole,
 * so a retry is safe): under contention the outbox inserts of several reservations and the
 * relay's locking read of the outbox can form such a cycle.
 */
final class Transactions {

    private static final System.Logger LOG = System.getLogger(Transactions.class.getName());
    private static final int DEADLOCK = 1213;
    private static final int ATTEMPTS = 5;

    private Transactions() {
    }

    static <T> T run(DbClient db, Function<DbTransaction, T> work) {
        return run(db, work, result -> true);
    }

    /** As {@link #run(DbClient, Function)}, but rolls back instead when {@code keep} refuses the result. */
    static <T> T run(DbClient db, Function<DbTransaction, T> work, Predicate<T> keep) {
        for (int attempt = 1; ; attempt++) {
            try {
                return once(db, work, keep);
            } catch (RuntimeException e) {
                if (attempt >= ATTEMPTS || !isDeadlock(e)) {
                    throw e;
                }
                int tried = attempt;
                LOG.log(Level.DEBUG, () -> "deadlock victim, attempt " + tried + " of " + ATTEMPTS);
            }
        }
    }

    private static <T> T once(DbClient db, Function<DbTransaction, T> work, Predicate<T> keep) {
        DbTransaction tx = db.transaction();
        boolean committed = false;
        try {
            T result = work.apply(tx);
            if (keep.test(result)) {
                tx.commit();
                committed = true;
            }
            return result;
        } finally {
            if (!committed) {
                tx.rollback();
            }
        }
    }

    private static boolean isDeadlock(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && sql.getErrorCode() == DEADLOCK) {
                return true;
            }
        }
        return false;
    }
}
