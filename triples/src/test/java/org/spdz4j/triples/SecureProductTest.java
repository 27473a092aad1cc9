package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.spdz4j.core.testing.RingTestSupport.randomWithEdges;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOp;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.Conv2dOps;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.testing.RingTestSupport;
import org.spdz4j.core.transport.Role;

/** open(secure product) equals the plaintext ring product exactly, for every bilinear op. */
class SecureProductTest {

    static Stream<Arguments> ops() {
        Shape img = Shape.of(3, 2, 7, 7);
        Shape imgEven = Shape.of(2, 3, 8, 6);
        return Stream.of(
                Arguments.of(BilinearOps.elementwise(), Shape.of(5, 7), Shape.of(5, 7)),
                Arguments.of(BilinearOps.matmul(false, false), Shape.of(5, 9), Shape.of(9, 3)),
                Arguments.of(BilinearOps.matmul(true, false), Shape.of(9, 5), Shape.of(9, 3)),
                Arguments.of(BilinearOps.matmul(false, true), Shape.of(5, 9), Shape.of(3, 9)),
                Arguments.of(BilinearOps.matmul(true, true), Shape.of(9, 5), Shape.of(3, 9)),
                Arguments.of(Conv2dOps.forward(3, 1, 1, 1), Shape.of(4, 2, 3, 3), img),
                Arguments.of(Conv2dOps.forward(3, 2, 0, 1), Shape.of(4, 2, 3, 3), img),
                Arguments.of(Conv2dOps.forward(3, 2, 1, 1), Shape.of(4, 2, 3, 3), img),
                Arguments.of(Conv2dOps.forward(3, 1, 1, 2), Shape.of(5, 3, 3, 3), imgEven),
                Arguments.of(Conv2dOps.weightGradient(3, 1, 1, 1), img, Shape.of(3, 4, 7, 7)),
                Arguments.of(Conv2dOps.weightGradient(3, 2, 0, 1), img, Shape.of(3, 4, 3, 3)),
                Arguments.of(Conv2dOps.weightGradient(3, 1, 1, 2), imgEven, Shape.of(2, 5, 4, 3)),
                Arguments.of(Conv2dOps.inputGradient(img, 3, 1, 1, 1), Shape.of(4, 2, 3, 3), Shape.of(3, 4, 7, 7)),
                Arguments.of(Conv2dOps.inputGradient(img, 3, 2, 1, 1), Shape.of(4, 2, 3, 3), Shape.of(3, 4, 4, 4)),
                Arguments.of(Conv2dOps.inputGradient(imgEven, 3, 1, 1, 2), Shape.of(5, 3, 3, 3), Shape.of(2, 5, 4, 3)));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("ops")
    void openedProductEqualsPlaintextRingProduct(BilinearOp op, Shape left, Shape right) {
        AesCtrPrg prg = RingTestSupport.prg(11);
        Ring128Tensor x = randomWithEdges(prg, left, 0);
        Ring128Tensor y = randomWithEdges(prg, right, 1);
        Plan.Builder b = Plan.builder("product test");
        PlanEntry.Mask mx = b.mask(left);
        PlanEntry.Mask my = b.mask(right);
        PlanEntry.Product product = b.product(op, mx, my);
        Plan plan = b.build();

        LocalComputation.Result<Ring128Tensor> r = LocalComputation.run(plan, 1, AesCtrPrg.freshSeed(), FixedPoint.DEFAULT,
                (party, randomness) -> {
                    party.beginStep(0, randomness.forStep(0));
                    Role me = party.role();
                    Ring128Tensor xs = party.shareInput(Role.P0, me == Role.P0 ? x : null, left, 0);
                    Ring128Tensor ys = party.shareInput(Role.P1, me == Role.P1 ? y : null, right, 1);
                    List<MaskedTensor> m = party.maskAll(List.of(xs, ys), List.of(mx, my));
                    return party.open(party.multiply(product, m.get(0), m.get(1)));
                });
        Ring128Tensor expected = op.apply(x, y);
        assertEquals(expected, r.p0());
        assertEquals(expected, r.p1());
    }

    @Test
    void dealerRunningAheadServesEveryStepInOrderAndOutOfOrderWithinAStep() {
        AesCtrPrg prg = RingTestSupport.prg(12);
        Shape s = Shape.of(6, 6);
        Plan.Builder b = Plan.builder("steps");
        PlanEntry.Mask mx = b.mask(s);
        PlanEntry.Mask my = b.mask(s);
        PlanEntry.Product p1 = b.product(BilinearOps.elementwise(), mx, my);
        PlanEntry.Product p2 = b.product(BilinearOps.matmul(false, false), mx, my);
        PlanEntry.Product p3 = b.product(BilinearOps.matmul(true, false), mx, my);
        Plan plan = b.build();
        int steps = 4;
        LocalComputation.Result<List<Ring128Tensor>> r = LocalComputation.run(plan, steps, AesCtrPrg.freshSeed(),
                FixedPoint.DEFAULT, (party, randomness) -> {
                    List<Ring128Tensor> out = new java.util.ArrayList<>();
                    for (int step = 0; step < steps; step++) {
                        party.beginStep(step, randomness.forStep(step));
                        Ring128Tensor x = randomWithEdges(prg, s, 10 + step);
                        Ring128Tensor y = randomWithEdges(prg, s, 20 + step);
                        MaskedTensor xm = party.mask(party.shareInput(Role.P0, x, s, 0), mx);
                        MaskedTensor ym = party.mask(party.shareInput(Role.P0, y, s, 1), my);
                        // consume the products out of plan order, and skip one on odd steps
                        out.add(party.open(party.multiply(p3, xm, ym)));
                        if (step % 2 == 0) {
                            out.add(party.open(party.multiply(p1, xm, ym)));
                        }
                        out.add(party.open(party.multiply(p2, xm, ym)));
                    }
                    return out;
                });
        int i = 0;
        for (int step = 0; step < steps; step++) {
            Ring128Tensor x = randomWithEdges(prg, s, 10 + step);
            Ring128Tensor y = randomWithEdges(prg, s, 20 + step);
            assertEquals(x.matmul(y, true, false), r.p0().get(i++));
            if (step % 2 == 0) {
                assertEquals(x.mul(y), r.p0().get(i++));
            }
            assertEquals(x.matmul(y, false, false), r.p0().get(i++));
        }
        assertEquals(r.p0(), r.p1());
    }
}
