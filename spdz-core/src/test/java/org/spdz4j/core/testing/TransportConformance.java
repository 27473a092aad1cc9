package org.spdz4j.core.testing;

import java.util.List;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.CorrelatedRandomness;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.TrafficCounter.Direction;
import org.spdz4j.core.transport.Transport;

/**
 * One suite of protocol and failure tests run against every {@link Transport}: subclasses
 * connect P0, P1 and the dealer (with a timeout of a few seconds).
 */
public abstract class TransportConformance {
    protected Transport p0;
    protected Transport p1;
    protected Transport dealer;

    /** P0, P1 and the dealer, connected, in that order. */
    protected abstract Transport[] connect() throws Exception;

    @BeforeEach
    void open() throws Exception {
        Transport[] t = connect();
        p0 = t[0];
        p1 = t[1];
        dealer = t[2];
    }

    @AfterEach
    void closeAll() {
        for (Transport t : new Transport[]{p0, p1, dealer}) {
            if (t != null) {
                t.close();
            }
        }
    }

    @Test
    void largeTensorsCrossExactlyAndAreCounted() {
        AesCtrPrg prg = RingTestSupport.prg(40);
        Ring128Tensor a = RingTestSupport.randomWithEdges(prg, Shape.of(3, 70_001), 0); // several chunks, odd tail
        Ring128Tensor b = RingTestSupport.randomWithEdges(prg, Shape.of(3, 70_001), 1);
        Tag tag = new Tag(Tag.Kind.OPEN, 5, 9);
        CompletableFuture<Ring128Tensor> at1 = CompletableFuture.supplyAsync(() -> p1.exchange(Role.P0, tag, b));
        assertEquals(b, p0.exchange(Role.P1, tag, a));
        assertEquals(a, at1.join());
        assertEquals(3L * 70_001, p0.traffic().total(Role.P1, Direction.SENT).values());
        assertEquals(16L * 3 * 70_001, p0.traffic().total(Role.P1, Direction.RECEIVED).bytes());
        assertEquals(1, p0.traffic().rounds());

        Ring128Tensor empty = Ring128Tensor.zeros(Shape.of(0));
        dealer.send(Role.P1, new Tag(Tag.Kind.CORRECTION, 0, 1), empty);
        dealer.sendBytes(Role.P0, new Tag(Tag.Kind.SEED, 0, 0), new byte[]{1, 2, 3});
        assertEquals(empty, p1.receive(Role.DEALER, new Tag(Tag.Kind.CORRECTION, 0, 1)));
        assertArrayEquals(new byte[]{1, 2, 3}, p0.receiveBytes(Role.DEALER, new Tag(Tag.Kind.SEED, 0, 0)));
    }

    @Test
    void beaverProductOverThisTransportIsExact() {
        AesCtrPrg prg = RingTestSupport.prg(41);
        Shape xs = Shape.of(7, 33);
        Shape ys = Shape.of(33, 5);
        Ring128Tensor x = RingTestSupport.randomWithEdges(prg, xs, 0);
        Ring128Tensor y = RingTestSupport.randomWithEdges(prg, ys, 1);
        // a hand-made triple: masks A, B and C = AB split with the PRG
        Ring128Tensor a = prg.tensor(xs, 2, 0);
        Ring128Tensor b = prg.tensor(ys, 3, 0);
        Ring128Tensor c = a.matmul(b, false, false);
        Ring128Tensor[][] shares = {split(prg, a, 4), split(prg, b, 5), split(prg, c, 6), split(prg, x, 7), split(prg, y, 8)};
        CompletableFuture<Ring128Tensor> r1 = CompletableFuture.supplyAsync(() -> run(p1, shares));
        Ring128Tensor r0 = run(p0, shares);
        assertEquals(x.matmul(y, false, false), r0);
        assertEquals(r0, r1.join());
    }

    private static Ring128Tensor run(Transport t, Ring128Tensor[][] shares) {
        int i = t.self().partyIndex();
        ComputeParty party = new ComputeParty(t.self(), t, FixedPoint.DEFAULT);
        CorrelatedRandomness r = entry -> shares[entry.id()][i];
        party.beginStep(0, r);
        PlanEntry.Mask mx = new PlanEntry.Mask(0, shares[3][i].shape());
        PlanEntry.Mask my = new PlanEntry.Mask(1, shares[4][i].shape());
        PlanEntry.Product xy = new PlanEntry.Product(2, BilinearOps.matmul(false, false), PlanEntry.Operand.of(mx),
                PlanEntry.Operand.of(my), shares[2][i].shape(), 0);
        List<MaskedTensor> m = party.maskAll(List.of(shares[3][i], shares[4][i]), List.of(mx, my));
        return party.open(party.multiply(xy, m.get(0), m.get(1)));
    }

    private static Ring128Tensor[] split(AesCtrPrg prg, Ring128Tensor v, int stream) {
        Ring128Tensor s0 = prg.tensor(v.shape(), stream, 9);
        return new Ring128Tensor[]{s0, v.sub(s0)};
    }

    @Test
    void wrongTagIsRefusedNamingBothTags() {
        p0.sendBytes(Role.P1, new Tag(Tag.Kind.OPEN, 2, 5), new byte[1]);
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> p1.receiveBytes(Role.P0, new Tag(Tag.Kind.OPEN, 2, 6)));
        assertTrue(e.getMessage().contains("OPEN(step 2, position 6)") && e.getMessage().contains("position 5"),
                e.getMessage());
    }

    @Test
    void waitingTimesOutNamingWhatItWaitedFor() {
        ProtocolException e = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(ProtocolException.class,
                () -> p1.receive(Role.DEALER, new Tag(Tag.Kind.CORRECTION, 4, 9))));
        assertTrue(e.getMessage().contains("timed out") && e.getMessage().contains("CORRECTION(step 4, position 9)")
                && e.getMessage().contains("DEALER"), e.getMessage());
    }

    @Test
    void aPeerThatClosesEndsTheWaitNamingIt() {
        p0.close();
        ProtocolException e = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(ProtocolException.class,
                () -> p1.receive(Role.P0, new Tag(Tag.Kind.OPEN, 0, 0))));
        assertTrue(e.getMessage().contains("P0") && e.getMessage().contains("closed"), e.getMessage());
        p0 = null;
    }
}
