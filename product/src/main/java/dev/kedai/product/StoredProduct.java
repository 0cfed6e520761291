package dev.kedai.product;

/**
 * A product row with its write counter.
 *
 * @param version bumped by every write; the cache never stores an older version over a newer one
 */
public record StoredProduct(Product product, long version) {
}
