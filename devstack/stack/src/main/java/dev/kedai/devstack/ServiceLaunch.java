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
 */
public record ServiceLaunch(KedaiService service,
                            Path jar,
                            List<String> jvmOptions,
                            SequencedMap<String, String> properties,
                            Path logFile,
                            Path workDir) {

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
