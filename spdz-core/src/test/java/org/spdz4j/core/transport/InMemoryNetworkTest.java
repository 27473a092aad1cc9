package org.spdz4j.core.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.TrafficCounter.Direction;

class InMemoryNetworkTest {
    private final InMemoryNetwork net = new InMemoryNetwork(Duration.ofMillis(300), 1 << 20);

    @Test
    void exchangeCountsValuesBytesAndRounds() {
        Transport p0 = net.transport(Role.P0);
        Transport p1 = net.transport(Role.P1);
        Tag tag = new Tag(Tag.Kind.OPEN, 0, 0);
        CompletableFuture<Ring128Tensor> at1 = CompletableFuture.supplyAsync(
                () -> p1.exchange(Role.P0, tag, Ring128Tensor.ofLongs(Shape.of(3), 4, 5, 6)));
        Ring128Tensor at0;
        try (TrafficCounter.Scope s = p0.traffic().scope("layer/forward")) {
            at0 = p0.exchange(Role.P1, tag, Ring128Tensor.ofLongs(Shape.of(3), 1, 2, 3));
        }
        assertEquals(Ring128Tensor.ofLongs(Shape.of(3), 4, 5, 6), at0);
        assertEquals(Ring128Tensor.ofLongs(Shape.of(3), 1, 2, 3), at1.join());
        assertEquals(new TrafficCounter.Totals(3, 48, 1), p0.traffic().total("layer/forward", Role.P1, Direction.SENT));
        assertEquals(new TrafficCounter.Totals(3, 48, 1), p0.traffic().total(Direction.RECEIVED));
        assertEquals(1, p0.traffic().rounds());
    }

    @Test
    void wrongTagIsRefusedNamingBothTags() {
        net.transport(Role.P0).sendBytes(Role.P1, new Tag(Tag.Kind.OPEN, 2, 5), new byte[1]);
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> net.transport(Role.P1).receiveBytes(Role.P0, new Tag(Tag.Kind.OPEN, 2, 6)));
        assertTrue(e.getMessage().contains("OPEN(step 2, position 6)") && e.getMessage().contains("position 5"),
                e.getMessage());
    }

    @Test
    void waitingTimesOutNamingWhatItWaitedFor() {
        ProtocolException e = assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertThrows(ProtocolException.class,
                () -> net.transport(Role.P1).receive(Role.DEALER, new Tag(Tag.Kind.CORRECTION, 4, 9))));
        assertTrue(e.getMessage().contains("P1 timed out") && e.getMessage().contains("CORRECTION(step 4, position 9)")
                && e.getMessage().contains("DEALER"), e.getMessage());
    }

    @Test
    void closedPeerEndsTheWaitAtOnce() {
        net.transport(Role.P0).close();
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> net.transport(Role.P1).receive(Role.P0, new Tag(Tag.Kind.OPEN, 0, 0)));
        assertTrue(e.getMessage().contains("P0 closed the connection"), e.getMessage());
    }

    @Test
    void senderBlocksWhenTheLinkIsFullAndTimesOut() {
        Transport dealer = net.transport(Role.DEALER);
        Ring128Tensor half = Ring128Tensor.zeros(Shape.of(40_000)); // 640 KB of a 1 MiB link
        dealer.send(Role.P1, new Tag(Tag.Kind.CORRECTION, 0, 0), half);
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> dealer.send(Role.P1, new Tag(Tag.Kind.CORRECTION, 0, 1), half));
        assertTrue(e.getMessage().contains("unread by P1"), e.getMessage());
    }
}
