package dev.kedai.cartorder;

import java.util.regex.Pattern;

/** Client-chosen ids (cart operation ids, Idempotency-Key values): 1..64 visible ASCII characters. */
final class OperationIds {

    private static final Pattern VISIBLE_ASCII = Pattern.compile("[\\x21-\\x7E]{1,64}");

    private OperationIds() {
    }

    static boolean isValid(String id) {
        return id != null && VISIBLE_ASCII.matcher(id).matches();
    }
}
