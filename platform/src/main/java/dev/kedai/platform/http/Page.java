package dev.kedai.platform.http;

import java.util.List;
import java.util.function.Function;

/**
 * One page of a paged list, written as {@code {"items": [...], "page": 1, "size": 20, "total": 57}}.
 *
 * @param items the items of this page
 * @param page  the 1-based page number that was asked for
 * @param size  the page size that was asked for
 * @param total the number of items in all pages
 */
public record Page<T>(List<T> items, int page, int size, long total) {

    public Page {
        items = List.copyOf(items);
    }

    public static <T> Page<T> of(List<T> items, PageRequest request, long total) {
        return new Page<>(items, request.page(), request.size(), total);
    }

    public <R> Page<R> map(Function<? super T, ? extends R> mapper) {
        return new Page<>(items.stream().<R>map(mapper).toList(), page, size, total);
    }
}
