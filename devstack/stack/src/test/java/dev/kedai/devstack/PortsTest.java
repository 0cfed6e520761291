package dev.kedai.devstack;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import org.junit.jupiter.api.Test;

class PortsTest {

    @Test
    void pickedPortsAreDistinctFreeAndNeverOnesTheOsHandsToOutgoingConnections() {
        List<Integer> ports = Ports.pickFree(30);

        assertThat(ports).hasSize(30).doesNotHaveDuplicates();
        // Linux's default ephemeral range: a port there can be taken by any client socket before
        // the service binds it (seen: stock's admin port held by a Kafka client, stock half up)
        assertThat(ports).allSatisfy(port -> assertThat(port).isBetween(1024, 32767));
        assertThat(ports).allMatch(Ports::isFree);
    }
}
