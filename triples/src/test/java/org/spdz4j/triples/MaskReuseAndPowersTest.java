package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.mpc.Polynomial;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.testing.RingTestSupport;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.TrafficCounter.Direction;

class MaskReuseAndPowersTest {
    private final FixedPoint fp = FixedPoint.DEFAULT;

    @Test
    void aTensorInThreeProductsIsOpenedOnce() {
        AesCtrPrg prg = RingTestSupport.prg(21);
        Shape xs = Shape.of(4, 5);
        Shape ys = Shape.of(5, 3);
        Ring128Tensor x = RingTestSupport.randomWithEdges(prg, xs, 0);
        Ring128Tensor y = RingTestSupport.randomWithEdges(prg, ys, 1);
        Ring128Tensor w = RingTestSupport.randomWithEdges(prg, ys, 2);
        Plan.Builder b = Plan.builder("reuse");
        PlanEntry.Mask mx = b.mask(xs);
        PlanEntry.Mask my = b.mask(ys);
        PlanEntry.Mask mw = b.mask(ys);
        PlanEntry.Product xy = b.product(BilinearOps.matmul(false, false), mx, my);
        PlanEntry.Product xw = b.product(BilinearOps.matmul(false, false), mx, mw);
        PlanEntry.Product xtx = b.product(BilinearOps.matmul(true, false), mx, mx);
        Plan plan = b.build();

        LocalComputation.Result<Ring128Tensor[]> r = LocalComputation.run(plan, 1, AesCtrPrg.freshSeed(), fp,
                (party, randomness) -> {
                    party.beginStep(0, randomness.forStep(0));
                    Role me = party.role();
                    MaskedTensor xm, ym, wm;
                    try (TrafficCounter.Scope s = party.transport().traffic().scope("mask")) {
                        xm = party.mask(party.shareInput(Role.P0, me == Role.P0 ? x : null, xs, 0), mx);
                        ym = party.mask(party.shareInput(Role.P1, me == Role.P1 ? y : null, ys, 1), my);
                        wm = party.mask(party.shareInput(Role.P1, me == Role.P1 ? w : null, ys, 2), mw);
                    }
                    Ring128Tensor a = party.multiply(xy, xm, ym);
                    Ring128Tensor c = party.multiply(xw, xm, wm);
                    Ring128Tensor d = party.multiply(xtx, xm, xm);
                    try (TrafficCounter.Scope s = party.transport().traffic().scope("reveal")) {
                        return new Ring128Tensor[]{party.open(a), party.open(c), party.open(d)};
                    }
                });
        assertEquals(x.matmul(y, false, false), r.p0()[0]);
        assertEquals(x.matmul(w, false, false), r.p0()[1]);
        assertEquals(x.matmul(x, true, false), r.p0()[2]);
        for (TrafficCounter t : new TrafficCounter[]{r.p0Traffic(), r.p1Traffic()}) {
            // three masked tensors, one opening each: X once although it is in three products
            assertEquals(new TrafficCounter.Totals(20 + 15 + 15, 16 * 50, 3), t.total("mask", null, Direction.SENT));
            assertEquals(3, t.total("reveal", null, Direction.SENT).messages());
            assertEquals(6, t.rounds());
        }
    }

    @Test
    void powersAreExactAndThePolynomialComesFromOneOpening() {
        int n = 2000;
        double[] xs = new double[n];
        Ring128Tensor r = RingTestSupport.randomSmall(RingTestSupport.prg(22), Shape.of(n), 0, 1L << 30);
        for (int i = 0; i < n; i++) {
            xs[i] = r.lo(i) / (double) (1L << 30) * 20; // [-20, 20): pre-activations of stable runs
        }
        Shape s = Shape.of(n);
        Ring128Tensor x = fp.encode(s, xs);
        Polynomial p = new Polynomial(0.1875, 0.5, 0.234375, -0.0078125);
        Plan.Builder b = Plan.builder("poly");
        PlanEntry.Mask mx = b.mask(s);
        PlanEntry.Power sq = b.power(mx, 2);
        PlanEntry.Power cube = b.power(mx, 3);
        Plan plan = b.build();

        LocalComputation.Result<Ring128Tensor[]> res = LocalComputation.run(plan, 1, AesCtrPrg.freshSeed(), fp,
                (party, randomness) -> {
                    party.beginStep(0, randomness.forStep(0));
                    try (TrafficCounter.Scope online = party.transport().traffic().scope("online")) {
                        MaskedTensor xm = party.mask(party.shareInput(Role.P0, x, s, 0), mx);
                        Ring128Tensor[] pow = party.powers(xm, fp.fractionalBits(), sq, cube);
                        Ring128Tensor y = p.evaluate(party, pow);
                        return new Ring128Tensor[]{party.open(pow[2]), party.open(pow[3]), party.open(y)};
                    }
                });
        // x^k at scale 2^f: the exact ring value truncated by (k-1)f, off by at most one unit
        RingTestSupport.assertWithinOne(x.mul(x).shiftRight(fp.fractionalBits()), res.p0()[0], "x^2");
        RingTestSupport.assertWithinOne(x.mul(x).mul(x).shiftRight(2 * fp.fractionalBits()), res.p0()[1], "x^3");
        double[] y = fp.decode(res.p0()[2]);
        double[] xq = fp.decode(x);
        for (int i = 0; i < n; i++) {
            double bound = fp.ulp() * (1 + 0.1875 + 0.5 + 0.234375 + 0.0078125
                    + 0.5 * (1 + Math.abs(xq[i]) + xq[i] * xq[i] + Math.abs(xq[i] * xq[i] * xq[i])));
            assertEquals(p.evaluate(xq[i]), y[i], bound, "x = " + xq[i]);
        }
        // one opening for x (the polynomial needs no other), then the three reveals of this test
        assertEquals(new TrafficCounter.Totals(4L * n, 64L * n, 4), res.p0Traffic().total("online", null, Direction.SENT));
    }
}
