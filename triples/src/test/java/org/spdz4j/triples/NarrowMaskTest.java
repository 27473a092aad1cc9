package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.NarrowOpening;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.testing.RingTestSupport;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.TrafficCounter.Direction;

/** Narrow masks through the dealer and both parties: exact products, 96-bit openings, out-of-range openings refused. */
class NarrowMaskTest {
    private static final Shape XS = Shape.of(4, 5);
    private static final Shape YS = Shape.of(5, 3);

    private static Plan plan(boolean narrow) {
        Plan.Builder b = Plan.builder("narrow");
        if (narrow) {
            b.narrowMasks(NarrowOpening.RANGE_BITS);
        }
        PlanEntry.Mask mx = b.mask(XS);
        PlanEntry.Mask my = b.mask(YS);
        b.product(BilinearOps.matmul(false, false), mx, my);
        return b.build();
    }

    /** x y from x's and y's openings in one round, opened; the mask round's traffic in the scope "mask". */
    private static LocalComputation.Result<Ring128Tensor> multiply(Plan plan, Ring128Tensor x, Ring128Tensor y) {
        PlanEntry.Mask mx = (PlanEntry.Mask) plan.entries().get(0);
        PlanEntry.Mask my = (PlanEntry.Mask) plan.entries().get(1);
        PlanEntry.Product xy = (PlanEntry.Product) plan.entries().get(2);
        return LocalComputation.run(plan, 1, AesCtrPrg.freshSeed(), FixedPoint.DEFAULT, (party, randomness) -> {
            party.beginStep(0, randomness.forStep(0));
            Role me = party.role();
            Ring128Tensor xs = party.shareInput(Role.P0, me == Role.P0 ? x : null, XS, 0);
            Ring128Tensor ys = party.shareInput(Role.P1, me == Role.P1 ? y : null, YS, 1);
            List<MaskedTensor> opened;
            try (TrafficCounter.Scope s = party.transport().traffic().scope("mask")) {
                opened = party.maskAll(List.of(xs, ys), List.of(mx, my));
            }
            for (MaskedTensor m : opened) { // each party's share of A lies below 2^(52 + 40 + 1)
                for (int i = 0; i < m.shape().size(); i++) {
                    assertTrue(!mx.narrow() || RingTestSupport.big(m.maskShare(), i).bitLength() <= 93);
                }
            }
            return party.open(party.multiply(xy, opened.get(0), opened.get(1)));
        });
    }

    @Test
    void productsAreExactAndTheOpeningsTakeTwelveBytesAnElement() {
        AesCtrPrg prg = RingTestSupport.prg(5);
        long bound = 1L << 51;
        Ring128Tensor x = RingTestSupport.randomSmall(prg, XS, 1, bound);
        Ring128Tensor y = RingTestSupport.randomSmall(prg, YS, 2, bound);
        long[] edges = x.loWords().clone(); // the range's edges among them
        edges[0] = -(1L << 52);
        edges[1] = (1L << 52) - 1;
        x = Ring128Tensor.ofLongs(XS, edges);
        Plan narrow = plan(true);
        assertFalse(Arrays.equals(narrow.hash(), plan(false).hash()), "the range is part of the plan");
        LocalComputation.Result<Ring128Tensor> r = multiply(narrow, x, y);
        assertEquals(x.matmul(y, false, false), r.p0());
        assertEquals(r.p0(), r.p1());
        // 20 and 15 elements of 96 bits: 15 and 12 ring values in one message (35 under whole-ring masks)
        for (TrafficCounter t : new TrafficCounter[]{r.p0Traffic(), r.p1Traffic()}) {
            assertEquals(new TrafficCounter.Totals(27, 16 * 27, 1), t.total("mask", null, Direction.SENT));
        }
        LocalComputation.Result<Ring128Tensor> whole = multiply(plan(false), x, y);
        assertEquals(r.p0(), whole.p0());
        assertEquals(new TrafficCounter.Totals(35, 16 * 35, 1), whole.p0Traffic().total("mask", null, Direction.SENT));
    }

    @Test
    void anOpeningBeyondTheRangeIsRefusedNamingTheMask() {
        AesCtrPrg prg = RingTestSupport.prg(6);
        Ring128Tensor y = RingTestSupport.randomSmall(prg, YS, 2, 1000);
        long[] hi = new long[XS.size()];
        long[] lo = new long[XS.size()];
        hi[7] = 1L << 31; // 2^95: beyond 2^53 by more than any narrow mask covers
        Ring128Tensor x = Ring128Tensor.wrap(XS, hi, lo);
        ArithmeticException e = assertThrows(ArithmeticException.class, () -> multiply(plan(true), x, y));
        assertTrue(e.getMessage().startsWith("mask entry 0 ([4, 5]): element 7 of the tensor opened with it lies outside"
                + " [-2^52, 2^52)"), e.getMessage());
        assertEquals(x.matmul(y, false, false), multiply(plan(false), x, y).p0(), "whole-ring masks open anything");
    }
}
