package dev.kedai.devstack.edge;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;

/**
 * The path a request is routed by, normalised the way Kong 3.x does before it picks a route
 * ({@code kong.tools.uri.normalize} with merged slashes): percent-encoded unreserved characters
 * decoded ({@code /auth/%6cogin} is {@code /auth/login}), other escapes kept with upper-case hex,
 * dot segments resolved, repeated slashes merged. So no spelling of a path reaches another route's
 * plugins (issue 14: {@code /auth/%6cogin} fell to the /auth prefix and its looser rate limit).
 * What is left unusual ({@code ;x}, {@code %2F}) goes on, and the service answers 400 (platform
 * {@code CanonicalPath}).
 */
final class KongPath {

    private KongPath() {
    }

    static String normalize(String rawPath) {
        // the common case, already normal: no escape, no dot segment, no repeated slash
        if (rawPath.startsWith("/") && rawPath.indexOf('%') < 0 && rawPath.indexOf("/.") < 0
                && rawPath.indexOf("//") < 0) {
            return rawPath;
        }
        String decoded = decodeUnreserved(rawPath);
        Deque<String> out = new ArrayDeque<>();
        String[] segments = decoded.split("/", -1);
        // segments[0] is the empty string before the leading slash
        for (int i = 1; i < segments.length; i++) {
            String s = segments[i];
            boolean last = i == segments.length - 1;
            if (s.equals("..")) {
                out.pollLast();
                if (last) {
                    out.addLast("");
                }
            } else if (s.equals(".") || (s.isEmpty() && !last)) {
                if (last) {
                    out.addLast("");
                }
            } else {
                out.addLast(s);
            }
        }
        return "/" + String.join("/", out);
    }

    private static String decodeUnreserved(String path) {
        if (path.indexOf('%') < 0) {
            return path;
        }
        StringBuilder b = new StringBuilder(path.length());
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length() && hex(path.charAt(i + 1)) >= 0 && hex(path.charAt(i + 2)) >= 0) {
                char decoded = (char) (hex(path.charAt(i + 1)) * 16 + hex(path.charAt(i + 2)));
                if (unreserved(decoded)) {
                    b.append(decoded);
                } else {
                    b.append('%').append(path.substring(i + 1, i + 3).toUpperCase(Locale.ROOT));
                }
                i += 2;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    private static boolean unreserved(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }

    private static int hex(char c) {
        return Character.digit(c, 16);
    }
}
