-- EventConsumer purges ids older than events.processed-retention per consumer group.
CREATE INDEX processed_events_age ON processed_events (consumer_group, processed_at);
