package dev.kedai.platform.http;

/**
 * {@link dev.kedai.platform.server.Admission} refused a request because the instance is busy, or
 * the peer the request needs refused it for that reason: a route answers it 503 with
 * {@code Retry-After} like any 503 problem but without a log line each (an overload refuses
 * hundreds a second), a gRPC method RESOURCE_EXHAUSTED.
 */
public final class AdmissionRefused extends ProblemException {

    public AdmissionRefused() {
        this("this instance is busy; try again later");
    }

    /** Refused with {@code detail}, e.g. naming the busy peer. */
    public AdmissionRefused(String detail) {
        super(Problem.of(503, detail));
    }
}
