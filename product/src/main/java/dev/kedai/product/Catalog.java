package dev.kedai.product;

import java.time.Clock;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Function;

import dev.kedai.contracts.Topics;
import dev.kedai.platform.db.Transactions;
import dev.kedai.platform.events.Outbox;
import dev.kedai.platform.events.OutboxRelay;
import dev.kedai.platform.http.ProblemException;
import io.helidon.dbclient.DbClient;
import io.helidon.dbclient.DbExecute;

/**
 * The admin's writes to the catalog. Each is one transaction that changes the row and appends
 * its event to the outbox; after the commit, and before the caller answers, the cache entry is
 * replaced by a tombstone of the new version and the list pages start a new generation
 * ({@link CatalogPages}), so the writer's next read (and everyone's), of the product or of any
 * page, shows the new row: read-your-writes.
 */
public final class Catalog {

    private final DbClient db;
    private final Transactions transactions;
    private final ProductStore store;
    private final ProductCache cache;
    private final CatalogPages pages;
    private final Outbox outbox;
    private final OutboxRelay relay;
    private final Clock clock;

    public Catalog(DbClient db, Transactions transactions, ProductStore store, ProductCache cache, CatalogPages pages,
                   OutboxRelay relay) {
        this.db = db;
        this.transactions = transactions;
        this.store = store;
        this.cache = cache;
        this.pages = pages;
        this.relay = relay;
        this.outbox = new Outbox("kedai-product");
        this.clock = Clock.systemUTC();
    }

    /** Creates an active product; 409 if its sku is taken. */
    public Product create(ProductDraft draft) {
        String id = UUID.randomUUID().toString();
        StoredProduct stored = inTransaction(tx -> {
            store.insert(tx, id, draft);
            StoredProduct row = store.one(tx, id).orElseThrow();
            outbox.append(tx, Topics.PRODUCT, id, ProductEvents.created(row.product(), clock.instant()));
            return row;
        });
        pages.invalidate();
        relay.wake();
        return stored.product();
    }

    /** Replaces the product with {@code change(current)}; 404 if unknown or deleted, 409 on a taken sku. */
    public Product update(String productId, Function<Product, ProductDraft> change) {
        StoredProduct stored = inTransaction(tx -> {
            Product current = store.lock(tx, productId).filter(p -> p.product().active())
                    .orElseThrow(() -> ProblemException.notFound("no product " + productId)).product();
            store.update(tx, productId, change.apply(current));
            StoredProduct row = store.one(tx, productId).orElseThrow();
            outbox.append(tx, Topics.PRODUCT, productId, ProductEvents.updated(row.product(), clock.instant()));
            return row;
        });
        cache.invalidate(productId, stored.version());
        pages.invalidate();
        relay.wake();
        return stored.product();
    }

    /** Soft delete: no longer listed, fetched or sellable; 404 if unknown or already deleted. */
    public void delete(String productId) {
        StoredProduct stored = inTransaction(tx -> {
            if (!store.softDelete(tx, productId)) {
                throw ProblemException.notFound("no product " + productId);
            }
            outbox.append(tx, Topics.PRODUCT, productId, ProductEvents.deleted(productId, clock.instant()));
            return store.one(tx, productId).orElseThrow();
        });
        cache.invalidate(productId, stored.version());
        pages.invalidate();
        relay.wake();
    }

    /** The cached body of an active product, or the database's (then cached). */
    public Optional<ProductBody> read(String productId) {
        Optional<ProductBody> cached = cache.get(productId);
        if (cached.isPresent()) {
            return cached;
        }
        return store.active(productId).map(cache::put);
    }

    /**
     * Makes the caches agree with the database (the product event's handler on every write),
     * reading through {@code exec}: the consumer's transaction, on the background pool.
     */
    public void refresh(DbExecute exec, String productId) {
        pages.invalidate();
        Optional<StoredProduct> row = store.one(exec, productId);
        row.ifPresent(r -> {
            if (r.product().active()) {
                cache.put(r);
            } else {
                cache.invalidate(productId, r.version());
            }
        });
    }

    // a taken sku is the writer's conflict, found by the unique index inside the transaction
    private <T> T inTransaction(Transactions.Work<T, RuntimeException> work) {
        try {
            return transactions.inTransaction(work);
        } catch (DuplicateSkuException e) {
            throw ProblemException.conflict(e.getMessage());
        }
    }
}
