-- How often the order reconciler has tried to give an abandoned checkout's reservation back and
-- stock could not be reached (killed, restarting): the next try follows after a short backoff that
-- doubles with each attempt (CheckoutReservations.retryLater), not a whole checkout.abandoned-after
-- later, so units come back within seconds of stock's return (issue 12, reservation-without-open-order).
ALTER TABLE checkout_reservations ADD COLUMN release_attempts INT NOT NULL DEFAULT 0;
