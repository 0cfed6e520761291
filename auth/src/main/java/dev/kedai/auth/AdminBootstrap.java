package dev.kedai.auth;

import java.util.Optional;

import io.helidon.config.Config;

/**
 * Makes sure the configured admin account exists, at every start (idempotent, safe with several
 * replicas starting at once). There is no default: without {@code auth.admin.email} and
 * {@code auth.admin.password} (or the environment variables {@code KEDAI_ADMIN_EMAIL} /
 * {@code KEDAI_ADMIN_PASSWORD}) no admin is created.
 *
 * <p>The password is used only when the account is created; changing it later is a password
 * change, not a restart. An existing account with that email is given the admin role.
 */
public final class AdminBootstrap {

    private static final System.Logger LOG = System.getLogger(AdminBootstrap.class.getName());

    private AdminBootstrap() {
    }

    public static void run(Config root, Accounts accounts, AuthStore store) {
        Optional<String> email = setting(root, "auth.admin.email", "KEDAI_ADMIN_EMAIL");
        Optional<String> password = setting(root, "auth.admin.password", "KEDAI_ADMIN_PASSWORD");
        if (email.isEmpty() && password.isEmpty()) {
            LOG.log(System.Logger.Level.INFO, "no admin account configured (auth.admin.email / KEDAI_ADMIN_EMAIL)");
            return;
        }
        if (email.isEmpty() || password.isEmpty()) {
            throw new IllegalArgumentException("auth.admin: set both email and password (KEDAI_ADMIN_EMAIL and "
                    + "KEDAI_ADMIN_PASSWORD), or neither");
        }
        if (!email.get().matches("[^@\\s]+@[^@\\s]+\\.[^@\\s]+")) {
            throw new IllegalArgumentException("auth.admin.email is not an e-mail address");
        }
        int length = password.get().codePointCount(0, password.get().length());
        if (length < 8 || length > 128) {
            throw new IllegalArgumentException("auth.admin.password must be 8 to 128 characters long");
        }
        String normalized = Accounts.normalize(email.get());
        if (store.byEmail(normalized).isPresent()) {
            if (store.makeAdmin(normalized)) {
                LOG.log(System.Logger.Level.WARNING, "existing account " + normalized + " given the admin role");
            }
            return;
        }
        // a replica starting at the same time may win the insert: then the account exists, as wanted
        accounts.register(normalized, password.get(), "Administrator", Accounts.ADMIN)
                .ifPresentOrElse(id -> LOG.log(System.Logger.Level.INFO, "admin account " + normalized + " created"),
                                 () -> store.makeAdmin(normalized));
    }

    private static Optional<String> setting(Config root, String key, String env) {
        return root.get(key).asString().asOptional().filter(s -> !s.isBlank())
                .or(() -> Optional.ofNullable(System.getenv(env)).filter(s -> !s.isBlank()));
    }
}
