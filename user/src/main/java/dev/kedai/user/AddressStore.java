package dev.kedai.user;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;
import io.helidon.dbclient.DbTransaction;

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

    public AddressStore(DbClient db) {
        this.db = db;
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
        DbTransaction tx = db.transaction();
        try {
            long count = tx.get(LOCK_USER, userId).map(r -> r.column("n").getLong()).orElse(0L);
            if (count >= MAX_PER_USER) {
                tx.rollback();
                return Optional.empty();
            }
            tx.insert(INSERT, id, userId, a.label(), a.recipient(), a.line1(), a.city(), a.postalCode(), a.country());
            tx.commit();
        } catch (RuntimeException e) {
            tx.rollback();
            throw e;
        }
        return Optional.of(new Address(id, a.label(), a.recipient(), a.line1(), a.city(), a.postalCode(), a.country()));
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
