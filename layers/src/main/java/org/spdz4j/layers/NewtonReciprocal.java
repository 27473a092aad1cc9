package org.spdz4j.layers;

import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry.Product;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
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
    private final Mask[] rMask, yMask, yMask2, wMask;
    private final Product[] ry, yw;

    NewtonReciprocal(Shape shape, int iterations, boolean optimized) {
        this.shape = shape;
        this.iterations = iterations;
        this.optimized = optimized;
        rMask = new Mask[iterations];
        yMask = new Mask[iterations];
        yMask2 = new Mask[iterations];
        wMask = new Mask[iterations];
        ry = new Product[iterations];
        yw = new Product[iterations];
    }

    /** Declares the masks and products; {@code f} is the fractional bits of the loss's format. */
    void declare(Plan.Builder plan, int f) {
        for (int it = 0; it < iterations; it++) {
            rMask[it] = it == 0 ? plan.mask(shape) : plan.maskAgain(rMask[0], optimized);
            yMask[it] = plan.mask(shape);
            ry[it] = plan.product(BilinearOps.elementwise(), rMask[it], yMask[it], f);
            yMask2[it] = plan.maskAgain(yMask[it], optimized);
            wMask[it] = plan.mask(shape);
            yw[it] = plan.product(BilinearOps.elementwise(), yMask2[it], wMask[it], f);
        }
    }

    /** Share of 1/r at scale 2^f, r at scale 2^f, in the format {@code fp}. */
    Ring128Tensor compute(ComputeParty party, FixedPoint fp, Ring128Tensor r) {
        Ring128Tensor y = party.addPublic(r.mulScalar(-2), fp.encode(3.0));
        MaskedTensor rm = party.mask(r, rMask[0]);
        for (int it = 0; it < iterations; it++) {
            rm = party.mask(rm, rMask[it]);
            MaskedTensor ym = party.mask(y, yMask[it]);
            Ring128Tensor t = party.multiply(ry[it], rm, ym);
            Ring128Tensor w = party.addPublic(t.negate(), fp.encode(2.0));
            y = party.multiply(yw[it], party.mask(ym, yMask2[it]), party.mask(w, wMask[it]));
        }
        return y;
    }
}
