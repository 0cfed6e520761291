package dev.kedai.product;

import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import dev.kedai.platform.server.KedaiConfig;
import io.helidon.config.Config;
import io.helidon.dbclient.DbClient;

/**
 * The search index's operator commands, run with the product service's own configuration
 * (its jar, its {@code application.yaml}, the same environment overrides):
 * <ul>
 *   <li>{@code ensure-index}: create the index behind the alias and fill it, if there is none
 *       (the Helm chart's index Job);</li>
 *   <li>{@code reindex}: rebuild it from the database behind the alias, with a progress bar,
 *       without downtime ({@link Reindex}); {@code ./kedai search reindex} runs this.</li>
 * </ul>
 */
public final class SearchAdmin {

    private SearchAdmin() {
    }

    public static void main(String[] args) {
        System.exit(run(args, KedaiConfig.load(), System.out, System.err));
    }

    static int run(String[] args, Config config, PrintStream out, PrintStream err) {
        String command = args.length == 0 ? "" : args[0];
        if (!command.equals("reindex") && !command.equals("ensure-index")) {
            err.println("usage: SearchAdmin reindex | ensure-index");
            return 2;
        }
        DbClient db = DbClient.create(config.get("db"));
        // a page of 500 documents on a busy cluster may take longer than a search may
        Duration timeout = config.get("product.search.opensearch.admin-timeout").as(Duration.class)
                .orElse(Duration.ofSeconds(60));
        try (SearchIndex index = SearchIndex.create(config, timeout)) {
            Reindex reindex = new Reindex(new ProductStore(db), index, Clock.systemUTC());
            if (command.equals("ensure-index")) {
                out.println(reindex.ensure() ? "created and filled " + index.alias() : index.alias() + " exists");
                return 0;
            }
            ProgressBar bar = new ProgressBar(out);
            Reindex.Result result = reindex.run(bar::total, bar::done);
            bar.finish();
            out.printf("%s now points at %s: %,d products in %.1f s%n", index.alias(), result.index(), result.rows(),
                       result.took().toMillis() / 1000.0);
            return 0;
        } catch (Exception e) {
            err.println("search " + command + " failed: " + e);
            return 1;
        } finally {
            db.close();
        }
    }

    /** One line redrawn in place on a terminal ({@code [#####.....]  52% 52,000/100,000}). */
    private static final class ProgressBar {
        private static final int WIDTH = 40;
        private final PrintStream out;
        private final AtomicLong total = new AtomicLong(1);
        private int shown = -1;

        ProgressBar(PrintStream out) {
            this.out = out;
        }

        void total(long rows) {
            total.set(Math.max(1, rows));
            done(0);
        }

        void done(long rows) {
            int percent = (int) Math.min(100, rows * 100 / total.get());
            if (percent == shown) {
                return;
            }
            shown = percent;
            int filled = percent * WIDTH / 100;
            out.printf("\r[%s%s] %3d%% %,d/%,d", "#".repeat(filled), ".".repeat(WIDTH - filled), percent, rows,
                       total.get());
            out.flush();
        }

        void finish() {
            out.println();
        }
    }
}
