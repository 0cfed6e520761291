package dev.kedai.user;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

import dev.kedai.platform.http.Page;
import dev.kedai.platform.http.PageRequest;
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

    private final DbClient db;

    public UserStore(DbClient db) {
        this.db = db;
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
