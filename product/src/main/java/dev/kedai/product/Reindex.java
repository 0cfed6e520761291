package dev.kedai.product;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * Rebuilds the search index from the product database without taking search down: a new index
 * is created and filled behind the scenes while the alias still points at the old one, then the
 * alias moves to it in one atomic step.
 *
 * <p>Writes made meanwhile are not lost. The live feed ({@link SearchIndexer}) keeps writing to the
 * alias, i.e. to the old index until the swap; so after the full pass, every row written since the
 * pass began (by the database's clock, less {@link #OVERLAP} for transactions that committed late)
 * is copied again before the swap, and once more after it (for writes the feed sent to the old
 * index during the swap). Every copy carries the row's version as its external version, so
 * copying a row twice, or after the feed, never puts an older product over a newer one.
 */
public final class Reindex {

    /** Longer than any product write transaction can stay open. */
    static final Duration OVERLAP = Duration.ofSeconds(60);
    static final int PAGE = 500;

    private final ProductStore store;
    private final SearchIndex index;
    private final Clock clock;
    private final int page;

    public Reindex(ProductStore store, SearchIndex index, Clock clock) {
        this(store, index, clock, PAGE);
    }

    /** With pages of {@code page} rows (a test makes a small catalog take many pages, to write during them). */
    Reindex(ProductStore store, SearchIndex index, Clock clock, int page) {
        this.store = store;
        this.index = index;
        this.clock = clock;
        this.page = page;
    }

    /** The outcome: the new index and how many rows went into it. */
    public record Result(String index, long rows, Duration took) {
    }

    /**
     * Runs the whole rebuild.
     *
     * @param total    told the number of rows to copy, once, before the copy starts
     * @param progress told the rows copied so far, after every page
     */
    public Result run(LongConsumer total, LongConsumer progress) throws IOException {
        long t0 = System.nanoTime();
        Instant began = store.now();
        String target = index.createIndex(clock);
        total.accept(store.countAll());
        long rows = copy(target, null, progress);
        Instant beforeSwap = store.now();
        copy(target, began.minus(OVERLAP), n -> { });
        index.refresh(target);
        index.swapAlias(target);
        copy(target, beforeSwap.minus(OVERLAP), n -> { });
        return new Result(target, rows, Duration.ofNanos(System.nanoTime() - t0));
    }

    /** Fills {@code target} with every row (or only those written since {@code since}); returns the rows copied. */
    long copy(String target, Instant since, LongConsumer progress) throws IOException {
        long copied = 0;
        String after = "";
        while (true) {
            List<SearchDocument> rows = since == null ? store.documents(after, page)
                    : store.documentsChangedSince(since, after, page);
            if (rows.isEmpty()) {
                return copied;
            }
            index.putAll(target, rows);
            copied += rows.size();
            progress.accept(copied);
            after = rows.getLast().id();
        }
    }

    /**
     * The index a fresh engine needs: creates it behind the alias if there is none, and fills it
     * from the database when this call created it (a replica that loses the race does nothing).
     *
     * @return true when it created and filled the index
     */
    public boolean ensure() throws IOException {
        if (!index.ensureIndex()) {
            return false;
        }
        copy(index.alias(), null, n -> { });
        return true;
    }
}
