package dev.kedai.contracts;

/**
 * The catalog's generation token in the shared Redis: product replaces it (a new random value)
 * after every committed catalog write (create, update, delete) and before it answers, and again
 * when the write's product event is consumed. Anyone may keep product data in memory filed under
 * the token they read (platform {@code GenerationCache}): a token that changed means "load again".
 * Readers never write it, except to start one when there is none.
 */
public final class CatalogGeneration {
    public static final String KEY = "kedai:product:catalog:generation";

    private CatalogGeneration() {
    }
}
