-- The retention purge deletes ended reservations (COMMITTED, RELEASED, EXPIRED) by their
-- expires_at through reservations_due (status, expires_at); their lines go with them.
ALTER TABLE reservation_lines DROP FOREIGN KEY reservation_lines_order;
ALTER TABLE reservation_lines ADD CONSTRAINT reservation_lines_order
    FOREIGN KEY (order_id) REFERENCES reservations (order_id) ON DELETE CASCADE;
