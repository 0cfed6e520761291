package dev.kedai.user;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.kedai.platform.http.Page;
import dev.kedai.platform.http.PageRequest;
import dev.kedai.contracts.Topics;
import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.events.Outbox;
import dev.kedai.platform.proto.ProtoTime;
import dev.kedai.proto.user.v1.ProfileUpdated;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbRow;

/** SQL of the {@code profiles} table. */
public final class UserStore {

    // epoch millis: a TIMESTAMP read this way does not depend on the session or JVM time zone
    private static final String COLUMNS = """
            SELECT user_id, email, name, phone, CAST(UNIX_TIMESTAMP(created_at) * 1000 AS SIGNED) AS created_ms
            FROM profiles""";
    private static final String ONE = COLUMNS + " WHERE user_id = ?";
    private static final String PAGE = COLUMNS + " ORDER BY created_at DESC, user_id LIMIT ? OFFSET ?";
    private static final String COUNT = "SELECT COUNT(*) AS total FROM profiles";
    private static final String LOCK = "SELECT user_id FROM profiles WHERE user_id = ? FOR UPDATE";
    private static final String SET_NAME = "UPDATE profiles SET name = ? WHERE user_id = ?";
    private static final String SET_PHONE = "UPDATE profiles SET phone = ? WHERE user_id = ?";
    private static final String CLEAR_PHONE = "UPDATE profiles SET phone = NULL WHERE user_id = ?";

    /**
     * A change of a profile: absent members are left as they are.
     *
     * @param phone empty: leave it; {@code Optional.of(Optional.empty())}: remove it
     */
    public record Change(Optional<String> name, Optional<Optional<String>> phone) {
    }

    private final DbClient db;
    private final Transactions transactions;
    private final Outbox outbox;

    public UserStore(DbClient db, Transactions transactions) {
        this(db, transactions, new Outbox("kedai-user"));
    }

    public UserStore(DbClient db, Transactions transactions, Outbox outbox) {
        this.db = db;
        this.transactions = transactions;
        this.outbox = outbox;
    }

    /**
     * Applies {@code change} and publishes ProfileUpdated in the same transaction.
     *
     * @return the updated profile, or empty when there is no profile (yet)
     */
    public Optional<Profile> update(String userId, Change change) {
        return transactions.inTransaction(tx -> {
            if (tx.get(LOCK, userId).isEmpty()) {
                return Optional.empty();
            }
            change.name().ifPresent(name -> tx.update(SET_NAME, name, userId));
            change.phone().ifPresent(phone -> phone.ifPresentOrElse(p -> tx.update(SET_PHONE, p, userId),
                                                                    () -> tx.update(CLEAR_PHONE, userId)));
            Profile updated = tx.get(ONE, userId).map(UserStore::profile).orElseThrow();
            if (change.name().isPresent() || change.phone().isPresent()) {
                outbox.append(tx, Topics.USER_USER, userId, ProfileUpdated.newBuilder()
                        .setUserId(userId)
                        .setName(updated.name())
                        .setPhone(updated.phone() == null ? "" : updated.phone())
                        .setUpdatedAt(ProtoTime.timestamp(Instant.now()))
                        .build());
            }
            return Optional.of(updated);
        }, Optional::isPresent);
    }

    public Optional<Profile> profile(String userId) {
        return db.execute().get(ONE, userId).map(UserStore::profile);
    }

    /** Newest first. */
    public Page<Profile> page(PageRequest request) {
        List<Profile> items = db.execute().query(PAGE, request.size(), request.offset()).map(UserStore::profile).toList();
        long total = db.execute().get(COUNT).map(r -> r.column("total").getLong()).orElse(0L);
        return Page.of(items, request, total);
    }

    private static Profile profile(DbRow row) {
        return new Profile(row.column("user_id").getString(),
                           row.column("email").getString(),
                           row.column("name").getString(),
                           row.column("phone").getString(),
                           Instant.ofEpochMilli(row.column("created_ms").getLong()));
    }
}
