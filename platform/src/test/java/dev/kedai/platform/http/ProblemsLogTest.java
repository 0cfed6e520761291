package dev.kedai.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLTransientConnectionException;

import io.helidon.dbclient.DbClientException;
import org.junit.jupiter.api.Test;

/** The log line of a 5xx says why, not only what the outermost wrapper said. */
class ProblemsLogTest {

    /**
     * Fault suite, kill-cartorder: the restarted cartorder answered hundreds of 503 "Failed to create
     * a connection" and its log could not tell an exhausted pool from a database that refused.
     */
    @Test
    void aFailureIsLoggedWithItsCausesToTheRoot() {
        var pool = new SQLTransientConnectionException(
                "HikariPool-1 - Connection is not available, request timed out after 500ms (total=10, active=10, idle=0, waiting=7)");
        var wrapped = new DbClientException("Failed to create a connection to jdbc:mysql://127.0.0.1:13306/kedai_cartorder", pool);

        assertThat(Problems.withCauses(wrapped))
                .startsWith("io.helidon.dbclient.DbClientException: Failed to create a connection")
                .endsWith("<- java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available,"
                          + " request timed out after 500ms (total=10, active=10, idle=0, waiting=7)");
        assertThat(Problems.withCauses(new IllegalStateException("alone"))).isEqualTo("java.lang.IllegalStateException: alone");
    }
}
