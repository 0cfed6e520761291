package dev.kedai.platform.grpc;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;

/** A peer answered with a business error (NOT_FOUND, INVALID_ARGUMENT, ...): it is up, the request was refused. */
public final class PeerRejection extends RuntimeException {

    private final Status.Code code;

    PeerRejection(StatusRuntimeException cause) {
        super(cause.getStatus().getCode() + ": " + cause.getStatus().getDescription(), cause, false, false);
        this.code = cause.getStatus().getCode();
    }

    public Status.Code code() {
        return code;
    }
}
