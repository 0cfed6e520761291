package dev.kedai.user;

import dev.kedai.platform.events.ConsumedEvent;
import dev.kedai.platform.events.EventHandler;
import dev.kedai.platform.events.PoisonEventException;
import dev.kedai.platform.proto.ProtoTime;
import dev.kedai.proto.auth.v1.UserRegistered;
import io.helidon.dbclient.DbTransaction;

/**
 * Creates the profile of a newly registered user from auth's UserRegistered event.
 *
 * <p>The platform consumer already skips an event id it has seen; INSERT IGNORE also makes a
 * second event for the same user (e.g. a re-registration replayed from another source) a no-op,
 * so a profile the user has since edited is never reset.
 */
public final class ProfileCreation implements EventHandler {

    private static final String INSERT = """
            INSERT IGNORE INTO profiles (user_id, email, name, created_at)
            VALUES (?, ?, ?, FROM_UNIXTIME(? / 1000))""";

    @Override
    public void handle(DbTransaction tx, ConsumedEvent event) {
        UserRegistered registered = event.parse(UserRegistered.parser());
        if (registered.getUserId().isEmpty() || registered.getEmail().isEmpty()) {
            throw new PoisonEventException("UserRegistered " + event.id() + " has no user_id or email", null);
        }
        long millis = ProtoTime.instant(registered.getRegisteredAt()).toEpochMilli();
        tx.insert(INSERT, registered.getUserId(), registered.getEmail(), registered.getName(), millis);
    }
}
