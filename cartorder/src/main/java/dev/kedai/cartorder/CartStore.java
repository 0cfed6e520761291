package dev.kedai.cartorder;

import java.time.Duration;
import java.util.List;
import java.util.UUID;

import dev.kedai.platform.db.RetentionPurge;
import dev.kedai.platform.db.Transactions;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;
import io.helidon.dbclient.DbTransaction;

/** SQL of the {@code cart_items} and {@code cart_operations} tables. */
public final class CartStore {

    /**
     * Applied operations past {@code retention.cart-operations} (default 7 days): an AddToCart
     * command or a retried add older than that would be applied again.
     */
    static final RetentionPurge.Rule RETENTION = new RetentionPurge.Rule("cart-operations", Duration.ofDays(7), """
            DELETE FROM cart_operations WHERE applied_at < CURRENT_TIMESTAMP(3) - INTERVAL ? MICROSECOND LIMIT ?""");

    private static final String LINES =
            "SELECT item_id, product_id, quantity FROM cart_items WHERE user_id = ? ORDER BY added_at, item_id";
    // an exclusive lock on the user's own row, also on the first add (an insert): adds of one cart take
    // turns. Not a locking read of the lines: it takes gap locks, and two users' first adds deadlock on them.
    private static final String TAKE_TURN =
            "INSERT INTO cart_owners (user_id) VALUES (?) ON DUPLICATE KEY UPDATE user_id = user_id";
    private static final String MARK_OPERATION =
            "INSERT IGNORE INTO cart_operations (operation_id, user_id) VALUES (?, ?)";
    private static final String LINE =
            "SELECT quantity FROM cart_items WHERE user_id = ? AND product_id = ?";
    private static final String MERGE = """
            INSERT INTO cart_items (item_id, user_id, product_id, quantity) VALUES (?, ?, ?, ?)
            ON DUPLICATE KEY UPDATE quantity = quantity + VALUES(quantity)""";
    private static final String COUNT_LINES = "SELECT COUNT(*) AS n FROM cart_items WHERE user_id = ?";
    private static final String DELETE_LINE = "DELETE FROM cart_items WHERE item_id = ? AND user_id = ?";
    private static final String DELETE_ALL = "DELETE FROM cart_items WHERE user_id = ?";
    // only the lines as they were ordered: a line changed while checkout ran stays in the cart
    private static final String DELETE_ORDERED =
            "DELETE FROM cart_items WHERE item_id = ? AND user_id = ? AND quantity = ?";

    private final DbClient db;
    private final Transactions transactions;

    public CartStore(DbClient db, Transactions transactions) {
        this.db = db;
        this.transactions = transactions;
    }

    /** The user's lines, oldest first (the order they were added in). */
    public List<CartLine> lines(String userId) {
        return lines(db.execute(), userId);
    }

    static List<CartLine> lines(DbExecute exec, String userId) {
        return exec.query(LINES, userId)
                .map(r -> new CartLine(r.column("item_id").getString(),
                                       r.column("product_id").getString(),
                                       r.column("quantity").getInt()))
                .toList();
    }

    /**
     * Adds {@code quantity} of a product to the user's line for it, once per {@code operationId}, in
     * a transaction of its own: it waits for the user's other adds ({@code cart_owners}), so what it
     * checks is the cart as it is when it writes. Its first read comes after that turn, so the
     * transaction's snapshot includes every add before it (an AddToCart command therefore does not
     * run in the event consumer's transaction, whose snapshot is older). Nothing is written when a
     * limit refuses the add.
     *
     * @return false when this operation had been applied before (nothing changed)
     * @param maxLineQuantity what the line may hold after the add as stock saw it available (0 = no limit)
     * @throws CartLimitException when the line would exceed 99 or {@code maxLineQuantity}
     * @throws CartFullException  when the product is new to a cart of {@link CartLine#MAX_LINES} lines
     */
    boolean add(String operationId, String userId, String productId, int quantity, int maxLineQuantity) {
        return transactions.inTransaction(tx -> {
            if (tx.insert(MARK_OPERATION, operationId, userId) == 0) {
                return false;
            }
            tx.insert(TAKE_TURN, userId);
            int current = tx.get(LINE, userId, productId).map(r -> r.column("quantity").getInt()).orElse(0);
            checkLimits(productId, current, quantity, maxLineQuantity);
            if (current == 0) {
                long lines = tx.get(COUNT_LINES, userId).map(r -> r.column("n").getLong()).orElse(0L);
                if (lines >= CartLine.MAX_LINES) {
                    throw new CartFullException((int) lines);
                }
            }
            tx.insert(MERGE, UUID.randomUUID().toString(), userId, productId, quantity);
            return true;
        });
    }

    private static void checkLimits(String productId, int current, int quantity, int maxLineQuantity) {
        if (current + quantity > CartLine.MAX_QUANTITY) {
            throw new CartLimitException(productId, current, quantity, CartLine.MAX_QUANTITY, false);
        }
        // stock checked availability of quantity alone or of what it thought the line held: the new total decides
        if (maxLineQuantity > 0 && current + quantity > maxLineQuantity) {
            throw new CartLimitException(productId, current, quantity, maxLineQuantity, true);
        }
    }

    /** @return false when the item is not in this user's cart */
    boolean remove(String userId, String itemId) {
        return db.execute().delete(DELETE_LINE, itemId, userId) == 1;
    }

    void clear(String userId) {
        db.execute().delete(DELETE_ALL, userId);
    }

    /** Removes the lines an order was placed for, in the order's transaction. */
    static void removeOrdered(DbTransaction tx, String userId, List<CartLine> ordered) {
        for (CartLine line : ordered) {
            tx.delete(DELETE_ORDERED, line.itemId(), userId, line.quantity());
        }
    }
}
