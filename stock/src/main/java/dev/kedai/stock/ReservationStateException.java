package dev.kedai.stock;

/** The reservation is in a state that forbids the operation (e.g. committing a released one). */
public final class ReservationStateException extends RuntimeException {

    private final ReservationStatus status;

    public ReservationStateException(String orderId, ReservationStatus status, String operation) {
        super("cannot " + operation + " order " + orderId + ": its reservation is " + status, null, false, false);
        this.status = status;
    }

    public ReservationStatus status() {
        return status;
    }
}
