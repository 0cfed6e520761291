package dev.kedai.infra;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * A command's usage text, kept in a plain file beside its class so that the {@code kedai} script
 * can print the same text at once, before anything is built.
 */
public final class Usage {

    private Usage() {
    }

    /** The resource {@code name} next to {@code owner}, as UTF-8 text. */
    public static String text(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing beside " + owner.getName());
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
