package org.spdz4j.layers;

import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.triples.Plan;

/**
 * {@code 1/r} elementwise on shares for {@code r} in [1/C, 1], by Newton's iteration
 * {@code y <- y (2 - r y)} from the local guess {@code y0 = 3 - 2r} (relative error at most
 * 0.72 for C = 10, squared each iteration: 7 iterations reach 2^-30). Optimized: r is masked
 * once and each iterate once; baseline masks both operands of every product.
 */
final class NewtonReciprocal {
    private final Shape shape;
    private final int iterations;
    private final boolean optimized;
    private final int[] rMask, yMask, yMask2, wMask, ry, yw;

    NewtonReciprocal(Shape shape, int iterations, boolean optimized) {
        this.shape = shape;
        this.iterations = iterations;
        this.optimized = optimized;
        rMask = new int[iterations];
        yMask = new int[iterations];
        yMask2 = new int[iterations];
        wMask = new int[iterations];
        ry = new int[iterations];
        yw = new int[iterations];
    }

    void declare(Plan.Builder plan) {
        for (int it = 0; it < iterations; it++) {
            rMask[it] = optimized && it > 0 ? rMask[0] : plan.mask(shape);
            yMask[it] = plan.mask(shape);
            ry[it] = plan.product(BilinearOps.elementwise(), rMask[it], yMask[it]);
            yMask2[it] = optimized ? yMask[it] : plan.mask(shape);
            wMask[it] = plan.mask(shape);
            yw[it] = plan.product(BilinearOps.elementwise(), yMask2[it], wMask[it]);
        }
    }

    /** Share of 1/r at scale 2^f, r at scale 2^f, in the format {@code fp}. */
    Ring128Tensor compute(ComputeParty party, FixedPoint fp, Ring128Tensor r) {
        int f = fp.fractionalBits();
        boolean p0 = party.role() == Role.P0;
        Ring128Tensor two = Ring128Tensor.filled(shape, fp.encode(2.0));
        Ring128Tensor y = r.mulScalar(-2);
        if (p0) {
            y = y.add(Ring128Tensor.filled(shape, fp.encode(3.0)));
        }
        MaskedTensor rm = null;
        for (int it = 0; it < iterations; it++) {
            if (rm == null || !optimized) {
                rm = party.mask(r, rMask[it]);
            }
            MaskedTensor ym = party.mask(y, yMask[it]);
            Ring128Tensor t = party.truncate(party.multiply(BilinearOps.elementwise(), ry[it], rm, ym), f);
            Ring128Tensor w = p0 ? two.sub(t) : t.negate();
            MaskedTensor ym2 = optimized ? ym : party.mask(y, yMask2[it]);
            y = party.truncate(party.multiply(BilinearOps.elementwise(), yw[it], ym2, party.mask(w, wMask[it])), f);
        }
        return y;
    }
}
