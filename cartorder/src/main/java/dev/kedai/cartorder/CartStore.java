package dev.kedai.cartorder;

import java.util.List;

import io.helidon.dbclient.DbClient;

/** SQL of the {@code cart_items} table. */
public final class CartStore {

    private static final String LINES =
            "SELECT item_id, product_id, quantity FROM cart_items WHERE user_id = ? ORDER BY added_at, item_id";

    private final DbClient db;

    public CartStore(DbClient db) {
        this.db = db;
    }

    /** The user's lines, oldest first (the order they were added in). */
    public List<CartLine> lines(String userId) {
        return db.execute().query(LINES, userId)
                .map(r -> new CartLine(r.column("item_id").getString(),
                                       r.column("product_id").getString(),
                                       r.column("quantity").getInt()))
                .toList();
    }
}
