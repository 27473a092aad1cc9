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
 * Softmax cross-entropy. Its gradient {@code (softmax(z) - y) / N} is computed on shares:
 * <ol>
 *   <li>centre each row, {@code u = z - mean(z)} (local), so the row maximum is &gt;= 0 and the
 *       row sum S of exponentials is &gt;= 1;</li>
 *   <li>{@code exp(u) ~ (1 + u / 2^n)^(2^n)}: n squarings, each one opening (relative error
 *       about {@code u^2 / 2^(n+1)}: 0.2% at |u| = 1, 20% at |u| = 10 for n = 8; the float twin
 *       uses the same approximation, so twin and MPC agree);</li>
 *   <li>{@code 1/S} by Newton's iteration {@code y <- y (2 - S y)} from {@code y0 = 2^-30}, at 40
 *       fractional bits: converges for {@code 1 <= S < 2^31} (centred logits up to about 20)
 *       to full precision in 36 iterations, each two openings of N values;</li>
 *   <li>{@code softmax = e * (1/S)} (one row-scaling product), minus the targets, over N.</li>
 * </ol>
 * About 20K values per party per step at batch 128, 10 classes.
 */
public record SoftmaxCrossEntropy(int expSquarings, int reciprocalIterations) implements Loss {
    public static final SoftmaxCrossEntropy DEFAULT = new SoftmaxCrossEntropy(8, 36);
    /** Fractional bits of the reciprocal. */
    static final int RECIPROCAL_BITS = 40;
    static final int INITIAL_GUESS_LOG2 = -30;

    @Override
    public String describe() {
        return "softmax_cross_entropy(exp=" + expSquarings + ",newton=" + reciprocalIterations + ")";
    }

    @Override
    public Secure secure(Shape logits, SecureSetup setup) {
        int n = logits.dim(0);
        int c = logits.dim(1);
        Shape rows = Shape.of(n);
        FixedPoint fp = setup.fp();
        int f = fp.fractionalBits();
        boolean optimized = setup.optimized();
        return new Secure() {
            private final int[] expMask = new int[expSquarings];
            private final int[] expSecond = new int[expSquarings];   // power (optimized) or product (baseline)
            private final int[] expRightMask = new int[expSquarings];
            private final int[] sMask = new int[reciprocalIterations];
            private final int[] yMask = new int[reciprocalIterations];
            private final int[] yMask2 = new int[reciprocalIterations];
            private final int[] wMask = new int[reciprocalIterations];
            private final int[] sy = new int[reciprocalIterations];
            private final int[] yw = new int[reciprocalIterations];
            private int eMask, yFinalMask, product;

            @Override
            public void declare(Plan.Builder plan) {
                for (int k = 0; k < expSquarings; k++) {
                    expMask[k] = plan.mask(logits);
                    if (optimized) {
                        expSecond[k] = plan.power(expMask[k], 2);
                    } else {
                        expRightMask[k] = plan.mask(logits);
                        expSecond[k] = plan.product(BilinearOps.elementwise(), expMask[k], expRightMask[k]);
                    }
                }
                for (int it = 0; it < reciprocalIterations; it++) {
                    sMask[it] = optimized && it > 0 ? sMask[0] : plan.mask(rows);
                    yMask[it] = plan.mask(rows);
                    sy[it] = plan.product(BilinearOps.elementwise(), sMask[it], yMask[it]);
                    yMask2[it] = optimized ? yMask[it] : plan.mask(rows);
                    wMask[it] = plan.mask(rows);
                    yw[it] = plan.product(BilinearOps.elementwise(), yMask2[it], wMask[it]);
                }
                eMask = plan.mask(logits);
                yFinalMask = plan.mask(rows);
                product = plan.product(BilinearOps.scaleRows(), eMask, yFinalMask);
            }

            @Override
            public Ring128Tensor gradient(ComputeParty party, Ring128Tensor z, Ring128Tensor targets) {
                boolean p0 = party.role() == Role.P0;
                Ring128Tensor mean = party.truncate(z.rowSums().mulScalar(fp.encode(1.0 / c)), f);
                Ring128Tensor u = z.sub(mean.broadcastColumns(c));
                Ring128Tensor v = party.truncate(u, expSquarings);
                if (p0) {
                    v = v.add(Ring128Tensor.filled(logits, fp.encode(1.0)));
                }
                for (int k = 0; k < expSquarings; k++) {
                    MaskedTensor vm = party.mask(v, expMask[k]);
                    Ring128Tensor square = optimized ? party.powers(vm, expSecond[k])[2]
                            : party.multiply(BilinearOps.elementwise(), expSecond[k], vm, party.mask(v, expRightMask[k]));
                    v = party.truncate(square, f);
                }
                Ring128Tensor e = v;
                int F = RECIPROCAL_BITS;
                Ring128Tensor s = e.rowSums().shiftLeft(F - f);
                Ring128Tensor y = p0 ? Ring128Tensor.filled(rows, 1L << (F + INITIAL_GUESS_LOG2)) : Ring128Tensor.zeros(rows);
                Ring128Tensor two = Ring128Tensor.filled(rows, 2L << F);
                MaskedTensor sm = null;
                for (int it = 0; it < reciprocalIterations; it++) {
                    if (sm == null || !optimized) {
                        sm = party.mask(s, sMask[it]);
                    }
                    MaskedTensor ym = party.mask(y, yMask[it]);
                    Ring128Tensor t = party.truncate(party.multiply(BilinearOps.elementwise(), sy[it], sm, ym), F);
                    Ring128Tensor w = p0 ? two.sub(t) : t.negate();
                    MaskedTensor ym2 = optimized ? ym : party.mask(y, yMask2[it]);
                    y = party.truncate(party.multiply(BilinearOps.elementwise(), yw[it], ym2, party.mask(w, wMask[it])), F);
                }
                Ring128Tensor softmax = party.truncate(party.multiply(BilinearOps.scaleRows(), product,
                        party.mask(e, eMask), party.mask(y, yFinalMask)), F);
                return party.truncate(softmax.sub(targets).mulScalar(fp.encode(1.0 / n)), f);
            }
        };
    }

    /** The exponential approximation, as the secure side computes it. */
    double approximateExp(double u) {
        double v = 1 + u / (1 << expSquarings);
        for (int k = 0; k < expSquarings; k++) {
            v *= v;
        }
        return v;
    }

    /** Softmax of each row with the approximate exponential. */
    double[] softmax(FloatTensor z) {
        int n = z.shape().dim(0);
        int c = z.shape().dim(1);
        double[] p = new double[n * c];
        for (int r = 0; r < n; r++) {
            double mean = 0;
            for (int j = 0; j < c; j++) {
                mean += z.values()[r * c + j] / c;
            }
            double sum = 0;
            for (int j = 0; j < c; j++) {
                p[r * c + j] = approximateExp(z.values()[r * c + j] - mean);
                sum += p[r * c + j];
            }
            for (int j = 0; j < c; j++) {
                p[r * c + j] /= sum;
            }
        }
        return p;
    }

    @Override
    public Twin twin(Shape logits) {
        int n = logits.dim(0);
        return new Twin() {
            @Override
            public double loss(FloatTensor z, FloatTensor y) {
                double[] p = softmax(z);
                double s = 0;
                for (int i = 0; i < p.length; i++) {
                    if (y.values()[i] != 0) {
                        s -= y.values()[i] * Math.log(Math.max(p[i], 1e-12));
                    }
                }
                return s / n;
            }

            @Override
            public FloatTensor gradient(FloatTensor z, FloatTensor y) {
                double[] p = softmax(z);
                for (int i = 0; i < p.length; i++) {
                    p[i] = (p[i] - y.values()[i]) / n;
                }
                return new FloatTensor(z.shape(), p);
            }
        };
    }
}
