package dev.kedai.platform.events;

/** CloudEvents 1.0 Kafka protocol binding, binary mode: the header names Kedai uses. */
public final class CloudEvents {
    public static final String SPEC_VERSION = "ce_specversion";
    public static final String ID = "ce_id";
    public static final String SOURCE = "ce_source";
    public static final String TYPE = "ce_type";
    public static final String TIME = "ce_time";
    public static final String CONTENT_TYPE = "content-type";
    public static final String PROTOBUF = "application/protobuf";
    public static final String VERSION_1_0 = "1.0";

    /** Added to a record sent to the dead-letter topic: exception class and message. */
    public static final String ERROR = "kedai_error";
    /** Added to a record sent to the dead-letter topic: how many times it was tried. */
    public static final String ATTEMPTS = "kedai_attempts";

    private CloudEvents() {
    }
}
