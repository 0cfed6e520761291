package dev.kedai.devstack;

import dev.kedai.infra.InfraSettings;

/** Ports of the embedded servers (used only for the parts that are not external). */
public record InfraPorts(int mariadb, int redis, int kafka, int kafkaController) {

    /** kedai-infra's devstack ports, off the usual ones so a developer's own servers can keep running. */
    public static final InfraPorts DEFAULTS = new InfraPorts(InfraSettings.DEFAULT_MARIADB_PORT,
            InfraSettings.DEFAULT_REDIS_PORT, InfraSettings.DEFAULT_KAFKA_PORT, InfraSettings.DEFAULT_KAFKA_CONTROLLER_PORT);

    public InfraPorts plus(int offset) {
        return new InfraPorts(mariadb + offset, redis + offset, kafka + offset, kafkaController + offset);
    }
}
