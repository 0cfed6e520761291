package dev.kedai.platform.http;

import io.helidon.webserver.http.Filter;

/**
 * Refuses (400) a request whose path is not spelled the one plain way, before any route sees it.
 *
 * <p>Kong picks a route, and so its plugins (the strict rate limit of {@code /auth/login}, the
 * jwt check), by the path after its own normalisation, and forwards that form; but it keeps
 * path parameters ({@code /auth/login;x}) and encoded slashes, and a service reached without Kong
 * gets whatever the client sent. Helidon serves {@code /auth/login;x}, {@code /auth/%6cogin} or
 * {@code /auth/x/../login} as login: a path Kong gave to a looser route would reach a stricter
 * one. So a service answers only paths that need no normalisation: no {@code ;} parameters, no
 * percent-encoded unreserved characters ({@code A-Z a-z 0-9 - . _ ~}), slashes or backslashes, no
 * {@code \}, no empty, {@code .} or {@code ..} segments.
 */
public final class CanonicalPath {

    private CanonicalPath() {
    }

    /** The filter, before routing on the service socket. */
    public static Filter filter() {
        return (chain, req, res) -> {
            String problem = problem(req.prologue().uriPath().rawPath());
            if (problem != null) {
                throw new ProblemException(Problem.of(400, "the path is not in canonical form: " + problem));
            }
            chain.proceed();
        };
    }

    /** What is not canonical in {@code rawPath} (as sent, not decoded), or null when it is canonical. */
    public static String problem(String rawPath) {
        if (rawPath.indexOf(';') >= 0) {
            return "path parameters (;)";
        }
        if (rawPath.indexOf('\\') >= 0) {
            return "a backslash";
        }
        for (int i = rawPath.indexOf('%'); i >= 0; i = rawPath.indexOf('%', i + 1)) {
            int c = i + 2 < rawPath.length() ? hex(rawPath, i + 1) : -1;
            if (c < 0) {
                return "a bad percent-encoding";
            }
            if (unreserved(c) || c == '/' || c == '\\') {
                return "a percent-encoded '" + (char) c + "'";
            }
        }
        String[] segments = rawPath.split("/", -1);
        for (int i = 1; i < segments.length; i++) {
            String s = segments[i];
            if (s.equals(".") || s.equals("..")) {
                return "a dot segment";
            }
            if (s.isEmpty() && i < segments.length - 1) {
                return "an empty segment (//)";
            }
        }
        return null;
    }

    private static int hex(String s, int at) {
        int high = Character.digit(s.charAt(at), 16);
        int low = Character.digit(s.charAt(at + 1), 16);
        return high < 0 || low < 0 ? -1 : high * 16 + low;
    }

    private static boolean unreserved(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                || c == '-' || c == '.' || c == '_' || c == '~';
    }
}
