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

    @Test
    void overAWanARoundTripTakesTheDelayAndABigFrameItsBandwidth() {
        InMemoryNetwork wan = new InMemoryNetwork(java.util.List.of(Role.P0, Role.P1), Duration.ofSeconds(10), 64L << 20)
                .overWan(Duration.ofMillis(40), 80_000_000); // 80 ms round trip, 10 MB/s each way
        Transport p0 = wan.transport(Role.P0);
        Transport p1 = wan.transport(Role.P1);
        Tag tag = new Tag(Tag.Kind.OPEN, 0, 0);
        Ring128Tensor small = Ring128Tensor.ofLongs(Shape.of(1), 7);
        Ring128Tensor big = Ring128Tensor.zeros(Shape.of(1 << 16)); // 1 MiB: 105 ms at 10 MB/s
        CompletableFuture<Void> echo = CompletableFuture.runAsync(() -> {
            for (int i = 0; i < 3; i++) {
                p1.send(Role.P0, tag, p1.receive(Role.P0, tag));
            }
        });
        p0.send(Role.P1, tag, small);
        p0.receive(Role.P1, tag); // the threads started
        long start = System.nanoTime();
        p0.send(Role.P1, tag, small);
        assertEquals(small, p0.receive(Role.P1, tag));
        long roundTrip = System.nanoTime() - start;
        start = System.nanoTime();
        p0.send(Role.P1, tag, big);
        assertEquals(big, p0.receive(Role.P1, tag));
        long bigRoundTrip = System.nanoTime() - start;
        echo.join();
        assertTrue(roundTrip >= 80_000_000L && roundTrip < 1_000_000_000L, "round trip " + roundTrip / 1e6 + " ms, 80 set");
        assertTrue(bigRoundTrip >= 80_000_000L + 2 * 104_000_000L && bigRoundTrip < 2_000_000_000L,
                "1 MiB each way took " + bigRoundTrip / 1e6 + " ms, 80 ms and 2 x 105 ms of transfer set");
        assertThrows(IllegalArgumentException.class, () -> wan.overWan(Duration.ofMillis(-1), 0));
        // a ping: the link's round trip alone, answered while the peer's program does nothing; no round counted
        long rounds = p0.traffic().rounds();
        Duration ping = p0.roundTrip(Role.P1).join();
        assertTrue(ping.toMillis() >= 80 && ping.toMillis() < 1_000, "ping " + ping.toMillis() + " ms, 80 set");
        assertEquals(rounds, p0.traffic().rounds());
        assertThrows(IllegalArgumentException.class, () -> p0.roundTrip(Role.parse("CLIENT7")));
    }
}
