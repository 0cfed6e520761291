package dev.kedai.devstack;

import java.io.PrintStream;
import java.nio.file.Files;
import java.util.List;

/**
 * {@code search reindex [options]}: rebuilds the OpenSearch index of a devstack started with
 * {@code --search opensearch} (same {@code --port-offset}, {@code --search-port} or
 * {@code --data-dir} as given to up), without downtime.
 */
final class SearchCommand {

    private final List<String> args;
    private final PrintStream err;

    SearchCommand(List<String> args, PrintStream err) {
        this.args = args;
        this.err = err;
    }

    int run() {
        if (args.isEmpty() || !args.getFirst().equals("reindex")) {
            throw new UsageException("search wants a subcommand: reindex");
        }
        StackConfig config = StackConfig.parse(args.subList(1, args.size()), Main.defaultRoot());
        if (!Files.isRegularFile(config.passwordsFile())) {
            err.println("no devstack state in " + config.dataDir() + " (no " + config.passwordsFile().getFileName()
                    + "): start one with ./kedai up --search opensearch, with the same --port-offset/--data-dir");
            return 1;
        }
        ServiceJars.require(config.repoRoot());
        return new SearchReindex(config).runInTerminal();
    }
}
