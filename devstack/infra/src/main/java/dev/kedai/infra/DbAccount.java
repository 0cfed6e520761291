package dev.kedai.infra;

/**
 * A service's own database account.
 *
 * @param url      JDBC URL of its schema ({@code jdbc:mysql://host:port/kedai_<service>})
 * @param user     user with all rights on that schema and none elsewhere
 * @param password its password
 */
public record DbAccount(String url, String user, String password) {

    /** The schema name, the last path element of {@link #url()}. */
    public String schema() {
        String path = url.substring(url.lastIndexOf('/') + 1);
        int query = path.indexOf('?');
        return query < 0 ? path : path.substring(0, query);
    }

    @Override
    public String toString() {
        return "DbAccount[url=" + url + ", user=" + user + "]";
    }
}
