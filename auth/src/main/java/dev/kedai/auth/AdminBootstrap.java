package dev.kedai.auth;

import java.util.Optional;

import io.helidon.config.Config;

/**
 * Makes sure the configured admin account exists, at every start (idempotent, safe with several
 * replicas starting at once). There is no default: without {@code auth.admin.email} and
 * {@code auth.admin.password} (or the environment variables {@code KEDAI_ADMIN_EMAIL} /
 * {@code KEDAI_ADMIN_PASSWORD}) no admin is created.
 *
 * <p>The account is created only when the email is unused; the password is used only then
 * (changing it later is a password change, not a restart). If the email already belongs to an
 * admin, nothing changes. If it belongs to a customer, auth refuses to start: whoever registered
 * that email first must not become admin (with a password the operator never chose). Only
 * {@code auth.admin.promote-existing: true} (env {@code AUTH_ADMIN_PROMOTE_DASH_EXISTING}) gives
 * an existing account the role, for an operator who knows whose account it is.
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
        boolean promote = root.get("auth.admin.promote-existing").asBoolean().orElse(false);
        if (store.byEmail(normalized).isEmpty()) {
            if (accounts.register(normalized, password.get(), "Administrator", Accounts.ADMIN).isPresent()) {
                LOG.log(System.Logger.Level.INFO, "admin account " + normalized + " created");
                return;
            }
            // a replica starting at the same time won the insert: checked below like any existing account
        }
        Credentials existing = store.byEmail(normalized).orElseThrow();
        if (Accounts.ADMIN.equals(existing.role())) {
            return;
        }
        if (!promote) {
            throw new IllegalStateException("auth.admin.email " + normalized + " is already registered as a "
                    + existing.role() + " account: refusing to start rather than make it admin. Configure an unused "
                    + "email for the admin, or set auth.admin.promote-existing=true (AUTH_ADMIN_PROMOTE_DASH_EXISTING) "
                    + "if that account is yours and should become admin");
        }
        if (store.makeAdmin(normalized)) {
            LOG.log(System.Logger.Level.WARNING, "existing account " + normalized
                    + " given the admin role (auth.admin.promote-existing)");
        }
    }

    private static Optional<String> setting(Config root, String key, String env) {
        return root.get(key).asString().asOptional().filter(s -> !s.isBlank())
                .or(() -> Optional.ofNullable(System.getenv(env)).filter(s -> !s.isBlank()));
    }
}
