package dev.kedai.platform.http;

/**
 * {@link dev.kedai.platform.server.Admission} refused a request because the instance is busy: a
 * route answers it 503 with {@code Retry-After} like any 503 problem but without a log line each
 * (an overload refuses hundreds a second), a gRPC method RESOURCE_EXHAUSTED.
 */
public final class AdmissionRefused extends ProblemException {

    public AdmissionRefused() {
        super(Problem.of(503, "this instance is busy; try again later"));
    }
}
