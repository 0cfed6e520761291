package dev.kedai.auth;

import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import me.gosimple.nbvcxz.resources.DictionaryUtil;

/**
 * The passwords registration refuses: the 100,000 most common ones, from the list the nbvcxz
 * library ships (a Maven Central dependency, so the list is updated with the library, not copied
 * here), compared case-insensitively ("PassWord1" is as guessable as "password1"). Loaded once
 * at start, about 4 MiB.
 */
public final class CommonPasswords {

    private final Set<String> passwords;

    private CommonPasswords(Set<String> passwords) {
        this.passwords = passwords;
    }

    public static CommonPasswords load() {
        Set<String> lowerCased = DictionaryUtil.loadUnrankedDictionary(DictionaryUtil.passwords).keySet().stream()
                .map(CommonPasswords::fold)
                .collect(Collectors.toUnmodifiableSet());
        if (lowerCased.size() < 10_000) {
            throw new IllegalStateException("the common-password list has only " + lowerCased.size() + " entries");
        }
        return new CommonPasswords(lowerCased);
    }

    public boolean contains(String password) {
        return passwords.contains(fold(password));
    }

    /** How many distinct passwords (case-folded) are refused. */
    public int size() {
        return passwords.size();
    }

    private static String fold(String s) {
        return s.strip().toLowerCase(Locale.ROOT);
    }
}
