package dev.kedai.platform.events;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * A member of a consumer group in a JVM of its own, with the platform's consumer settings:
 * {@code GroupMemberMain <bootstrap> <group> <topic> [<group.instance.id>]}. Prints {@code assigned}
 * once it owns partitions, then polls until it is killed (a service JVM that dies without leaving
 * its group).
 */
public final class GroupMemberMain {

    private GroupMemberMain() {
    }

    public static void main(String[] args) {
        Map<String, Object> named = args.length > 3 ? Map.of(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, args[3]) : Map.of();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(KafkaClients.consumer(args[0], args[1], named))) {
            consumer.subscribe(List.of(args[2]));
            boolean told = false;
            while (true) {
                consumer.poll(Duration.ofMillis(200));   // reads nothing it commits: the successor starts from the beginning
                if (!told && !consumer.assignment().isEmpty()) {
                    System.out.println("assigned");
                    System.out.flush();
                    told = true;
                }
            }
        }
    }
}
