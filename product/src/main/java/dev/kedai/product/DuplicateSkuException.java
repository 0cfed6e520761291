package dev.kedai.product;

/** The sku of a product being written already belongs to another product (deleted ones included). */
public final class DuplicateSkuException extends RuntimeException {
    public DuplicateSkuException(String sku) {
        super("sku " + sku + " is taken", null, false, false);
    }
}
