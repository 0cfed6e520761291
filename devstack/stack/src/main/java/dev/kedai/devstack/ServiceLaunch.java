package dev.kedai.devstack;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SequencedMap;

/**
 * How to start one service JVM.
 *
 * @param service    which service
 * @param jar        its runnable jar (libs beside it)
 * @param jvmOptions heap, GC and JDK flags
 * @param properties its configuration, passed as {@code -Dkey=value} (Helidon Config reads system properties first)
 * @param logFile    where its stdout and stderr go
 * @param workDir    its working directory
 * @param instance   which instance of the service (0 for the first; {@code --replicas})
 */
public record ServiceLaunch(KedaiService service,
                            Path jar,
                            List<String> jvmOptions,
                            SequencedMap<String, String> properties,
                            Path logFile,
                            Path workDir,
                            int instance) {

    /** The first (or only) instance. */
    public ServiceLaunch(KedaiService service, Path jar, List<String> jvmOptions, SequencedMap<String, String> properties,
                         Path logFile, Path workDir) {
        this(service, jar, jvmOptions, properties, logFile, workDir, 0);
    }

    /** {@code stock} for the first instance, {@code stock-2} for the second, ... */
    public String name() {
        return instance == 0 ? service.id() : service.id() + "-" + (instance + 1);
    }

    /** The port of its admin listener (health, metrics). */
    public int adminPort() {
        return Integer.parseInt(properties.get(ServiceProperties.ADMIN_SOCKET + ".port"));
    }

    /** The command line, run with the given java binary. */
    public List<String> command(Path java) {
        List<String> command = new ArrayList<>();
        command.add(java.toString());
        command.addAll(jvmOptions);
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(jar.toString());
        return command;
    }
}
