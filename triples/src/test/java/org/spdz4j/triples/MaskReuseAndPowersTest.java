package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /**
     * {@code x^p y^q} of two whole-ring tensors from one opening of each and the dealer's powers
     * and products of their masks, exactly (untruncated, so the ring's product to the bit), for
     * (p, q) = (2, 2), the fused refinement's square, and (1, 3); products given out of order are refused.
     */
    @Test
    void powersOfTwoTensorsMultiplyFromTheirOneOpeningEach() {
        AesCtrPrg prg = RingTestSupport.prg(23);
        Shape s = Shape.of(7, 9);
        Ring128Tensor x = RingTestSupport.randomWithEdges(prg, s, 0);
        Ring128Tensor y = RingTestSupport.randomWithEdges(prg, s, 1);
        int[][] exponents = {{2, 2}, {1, 3}};
        Plan.Builder b = Plan.builder("product of powers");
        PlanEntry.Mask[] mx = new PlanEntry.Mask[exponents.length];
        PlanEntry.Mask[] my = new PlanEntry.Mask[exponents.length];
        PlanEntry.Power[][] px = new PlanEntry.Power[exponents.length][];
        PlanEntry.Power[][] py = new PlanEntry.Power[exponents.length][];
        PlanEntry.Product[][] products = new PlanEntry.Product[exponents.length][];
        for (int k = 0; k < exponents.length; k++) {
            int p = exponents[k][0];
            int q = exponents[k][1];
            mx[k] = b.mask(s);
            my[k] = b.mask(s);
            px[k] = new PlanEntry.Power[p - 1];
            for (int i = 2; i <= p; i++) {
                px[k][i - 2] = b.power(mx[k], i);
            }
            py[k] = new PlanEntry.Power[q - 1];
            for (int j = 2; j <= q; j++) {
                py[k][j - 2] = b.power(my[k], j);
            }
            products[k] = new PlanEntry.Product[p * q];
            for (int i = 1; i <= p; i++) {
                for (int j = 1; j <= q; j++) {
                    products[k][(i - 1) * q + j - 1] = b.product(BilinearOps.elementwise(), new PlanEntry.Operand(mx[k], i),
                            new PlanEntry.Operand(my[k], j), 0);
                }
            }
        }
        Plan plan = b.build();

        LocalComputation.Result<Ring128Tensor[]> r = LocalComputation.run(plan, 1, AesCtrPrg.freshSeed(), fp,
                (party, randomness) -> {
                    party.beginStep(0, randomness.forStep(0));
                    Role me = party.role();
                    Ring128Tensor xShare = party.shareInput(Role.P0, me == Role.P0 ? x : null, s, 0);
                    Ring128Tensor yShare = party.shareInput(Role.P1, me == Role.P1 ? y : null, s, 1);
                    Ring128Tensor[] out = new Ring128Tensor[exponents.length];
                    for (int k = 0; k < exponents.length; k++) {
                        MaskedTensor xm;
                        MaskedTensor ym;
                        try (TrafficCounter.Scope online = party.transport().traffic().scope("open " + k)) {
                            java.util.List<MaskedTensor> xy = party.maskAll(java.util.List.of(xShare, yShare),
                                    java.util.List.of(mx[k], my[k]));
                            xm = xy.get(0);
                            ym = xy.get(1);
                        }
                        if (k == 1) { // the products in another order than i, then j
                            PlanEntry.Product[] swapped = products[k].clone();
                            swapped[0] = products[k][1];
                            swapped[1] = products[k][0];
                            MaskedTensor fx = xm;
                            MaskedTensor fy = ym;
                            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                                    () -> party.productOfPowers(fx, 1, fy, 3, px[1], py[1], swapped));
                            assertTrue(e.getMessage().contains("product entry " + products[k][1].id()), e.getMessage());
                        }
                        out[k] = party.productOfPowers(xm, exponents[k][0], ym, exponents[k][1], px[k], py[k], products[k]);
                    }
                    return new Ring128Tensor[]{party.open(out[0]), party.open(out[1])};
                });
        assertEquals(x.mul(x).mul(y).mul(y), r.p0()[0], "x^2 y^2");
        assertEquals(x.mul(y).mul(y).mul(y), r.p0()[1], "x y^3");
        for (int k = 0; k < exponents.length; k++) { // x and y opened together: one round, no other
            assertEquals(new TrafficCounter.Totals(2L * s.size(), 32L * s.size(), 1),
                    r.p0Traffic().total("open " + k, null, Direction.SENT));
        }
    }
}
