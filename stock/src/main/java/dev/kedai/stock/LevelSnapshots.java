package dev.kedai.stock;

import java.time.Duration;

import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.LoadingCache;

/**
 * What {@code /cart/add} sees available: a product's level read at most
 * {@code stock.cart-add.level-max-age} ago (default PT1S), one read per product at a time however
 * many adds ask. Under a checkout burst every add is for the same few products, and reading each
 * level fresh took a request connection per add: 67 adds waited for one while Reserves held the
 * rest. An add may therefore see a level up to that old; the Reserve at checkout is what decides
 * (docs/api.md, eventually consistent reads). {@code GET /stock} reads fresh.
 */
final class LevelSnapshots {

    private static final long MAX_PRODUCTS = 100_000;

    private final LoadingCache<String, Long> available;

    LevelSnapshots(StockStore levels, Duration maxAge) {
        // a product with no level yet (its ProductCreated not consumed) has nothing available
        this.available = Caffeine.newBuilder()
                .expireAfterWrite(maxAge)
                .maximumSize(MAX_PRODUCTS)
                .build(productId -> levels.level(productId).map(StockLevel::available).orElse(0L));
    }

    long available(String productId) {
        return available.get(productId);
    }
}
