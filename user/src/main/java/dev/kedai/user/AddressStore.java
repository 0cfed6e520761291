package dev.kedai.user;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import dev.kedai.platform.db.Transactions;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;

/**
 * SQL of the {@code addresses} table. Every statement is scoped to the owner: another user's
 * address is simply not found, so handlers answer 404 without a separate ownership check.
 */
public final class AddressStore {

    /** Enough for any household; stops one account from filling the table. */
    public static final int MAX_PER_USER = 20;

    private static final String COLUMNS = "SELECT address_id, label, recipient, line1, city, postal_code, country FROM addresses";
    private static final String OF_USER = COLUMNS + " WHERE user_id = ? ORDER BY created_at, address_id";
    private static final String ONE = COLUMNS + " WHERE user_id = ? AND address_id = ?";
    // the profile row lock serialises two concurrent adds of one user, so the cap holds
    private static final String LOCK_USER = "SELECT COUNT(*) AS n FROM addresses WHERE user_id = ? FOR UPDATE";
    private static final String INSERT = """
            INSERT INTO addresses (address_id, user_id, label, recipient, line1, city, postal_code, country)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)""";
    private static final String DELETE = "DELETE FROM addresses WHERE user_id = ? AND address_id = ?";

    private final DbClient db;
    private final Transactions transactions;

    public AddressStore(DbClient db, Transactions transactions) {
        this.db = db;
        this.transactions = transactions;
    }

    public List<Address> of(String userId) {
        return db.execute().query(OF_USER, userId).map(AddressStore::address).toList();
    }

    public Optional<Address> find(String userId, String addressId) {
        return db.execute().get(ONE, userId, addressId).map(AddressStore::address);
    }

    /** @return the new address, or empty when the user has {@link #MAX_PER_USER} already */
    public Optional<Address> add(String userId, Address a) {
        String id = UUID.randomUUID().toString();
        return transactions.inTransaction(tx -> {
            long count = tx.get(LOCK_USER, userId).map(r -> r.column("n").getLong()).orElse(0L);
            if (count >= MAX_PER_USER) {
                return Optional.<Address>empty();
            }
            tx.insert(INSERT, id, userId, a.label(), a.recipient(), a.line1(), a.city(), a.postalCode(), a.country());
            return Optional.of(new Address(id, a.label(), a.recipient(), a.line1(), a.city(), a.postalCode(), a.country()));
        }, Optional::isPresent);
    }

    /** @return false when the user has no such address */
    public boolean delete(String userId, String addressId) {
        return db.execute().delete(DELETE, userId, addressId) > 0;
    }

    private static Address address(DbRow row) {
        return new Address(row.column("address_id").getString(), row.column("label").getString(),
                           row.column("recipient").getString(), row.column("line1").getString(),
                           row.column("city").getString(), row.column("postal_code").getString(),
                           row.column("country").getString());
    }
}
