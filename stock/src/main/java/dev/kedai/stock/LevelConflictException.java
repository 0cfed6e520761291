package dev.kedai.stock;

/** A level change that the current level forbids; carries the level for the 409 answer. */
public final class LevelConflictException extends RuntimeException {

    private final StockLevel level;

    public LevelConflictException(StockLevel level, String message) {
        super(message, null, false, false);
        this.level = level;
    }

    public StockLevel level() {
        return level;
    }
}
