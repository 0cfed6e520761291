package dev.kedai.product;

/** The search engine cannot answer now (down, too slow, or its breaker is open): a 503, or the fallback's turn. */
public final class SearchUnavailableException extends RuntimeException {
    public SearchUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
