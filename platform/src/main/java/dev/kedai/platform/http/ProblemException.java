package dev.kedai.platform.http;

import java.util.List;

/**
 * Thrown by handlers to answer with a problem; {@link Problems} writes it. Use the named
 * factories so the status codes stay those of the API conventions.
 *
 * <pre>{@code
 * throw ProblemException.notFound("product " + id + " does not exist");
 * throw ProblemException.conflict("not enough stock").with("available", 3).exception();
 * }</pre>
 */
public class ProblemException extends RuntimeException {

    private final transient Problem problem;

    public ProblemException(Problem problem) {
        this(problem, null);
    }

    public ProblemException(Problem problem, Throwable cause) {
        super(problem.status() + " " + problem.detail(), cause, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }

    /** 400 naming the offending fields. */
    public static ProblemException validation(List<FieldError> errors) {
        return new ProblemException(Problem.validation(errors));
    }

    /** 400 naming one offending field. */
    public static ProblemException invalid(String field, String message) {
        return validation(List.of(new FieldError(field, message)));
    }

    /** 400 without a field (e.g. "the cart is empty"). */
    public static ProblemException badRequest(String detail) {
        return new ProblemException(Problem.of(400, detail));
    }

    public static ProblemException notFound(String detail) {
        return new ProblemException(Problem.of(404, detail));
    }

    /** 409; add members with {@link Problem#with} and {@code new ProblemException(problem)}, or use {@link #conflict(String, String, Object)}. */
    public static ProblemException conflict(String detail) {
        return new ProblemException(Problem.of(409, detail));
    }

    /** 409 with one extra member, e.g. {@code conflict("not enough stock", "available", 3)}. */
    public static ProblemException conflict(String detail, String member, Object value) {
        return new ProblemException(Problem.of(409, detail).with(member, value));
    }

    public static ProblemException unprocessable(String detail) {
        return new ProblemException(Problem.of(422, detail));
    }

    /** 503: a dependency (database, broker, peer service) is down. */
    public static ProblemException unavailable(String detail, Throwable cause) {
        return new ProblemException(Problem.of(503, detail), cause);
    }

    /** 504: a dependency answered too slowly. */
    public static ProblemException timeout(String detail, Throwable cause) {
        return new ProblemException(Problem.of(504, detail), cause);
    }

    /** Any other status (402, 429, ...). */
    public static ProblemException of(int status, String detail) {
        return new ProblemException(Problem.of(status, detail));
    }
}
