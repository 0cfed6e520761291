-- The W3C trace context of the transaction that wrote the event (NULL outside a trace), so the
-- relay publishes it with the event and the consumer continues the same trace (issue 17).
ALTER TABLE outbox
    ADD COLUMN traceparent VARCHAR(55)  NULL,
    ADD COLUMN tracestate  VARCHAR(512) NULL;
