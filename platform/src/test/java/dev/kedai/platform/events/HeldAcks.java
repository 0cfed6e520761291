package dev.kedai.platform.events;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * A producer interceptor that holds every ack until the test lets them go: a Kafka that stores
 * the records but answers late ({@code interceptor.classes}). The producer's future completes only
 * after its interceptors saw the ack, so the relay waits as long as the test says.
 */
public final class HeldAcks implements ProducerInterceptor<String, byte[]> {
    private static volatile CountDownLatch arrived = new CountDownLatch(1);
    private static volatile CountDownLatch released = new CountDownLatch(1);

    /** Holds acks again from now on. */
    static void hold() {
        arrived = new CountDownLatch(1);
        released = new CountDownLatch(1);
    }

    /** Whether an ack has come back from Kafka and is being held. */
    static boolean holding() {
        return arrived.getCount() == 0;
    }

    static void release() {
        released.countDown();
    }

    @Override
    public ProducerRecord<String, byte[]> onSend(ProducerRecord<String, byte[]> record) {
        return record;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
        arrived.countDown();
        try {
            released.await(2, TimeUnit.MINUTES);   // bounded: a failed test must not hang the producer forever
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
    }

    @Override
    public void configure(Map<String, ?> configs) {
    }
}
