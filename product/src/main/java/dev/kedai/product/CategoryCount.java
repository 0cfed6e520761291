package dev.kedai.product;

/** A category and how many active products it has. */
public record CategoryCount(String category, long productCount) {
}
