package org.spdz4j.layers;

import java.util.List;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry.Power;
import org.spdz4j.core.mpc.PlanEntry.Product;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.triples.Plan;

/**
 * Softmax cross-entropy. Its gradient {@code (softmax(z) - y) / N} is computed on shares, with
 * the exponential approximated as {@code exp(u) ~ (1 + u / 2^n)^(2^n)} (relative error about
 * {@code u^2 / 2^(n+1)}; the float twin uses the same approximation, so twin and MPC agree, and
 * {@code SecureLayerTest} bounds the distance to the exact softmax). To keep every value in a
 * small range whatever the logits, the rows are rescaled after every squaring:
 * <ol>
 *   <li>centre each row, {@code u = z - mean(z)} (local), so {@code w0 = (1 + u/2^n) / C} sums to 1;</li>
 *   <li>n times: {@code g = w^2} (one opening of w), then {@link RowNormaliser} rescales each
 *       row of g to sum to about 1 (one round, plus the refinements its schedule plans: a
 *       row's constant cancels in the end, so only the last rescaling must reach 1 closely; in
 *       the optimized mode the last refinement before a squaring and the squaring share a round);</li>
 *   <li>after n steps {@code w} is the softmax of the approximation; subtract the targets, divide by N.</li>
 * </ol>
 * Works for any logits above -2^n; every intermediate is at most about 1, so the loss runs at
 * {@value #LOSS_BITS} fractional bits (each squaring doubles the relative error: 2^8 of 2^-32)
 * with products below 2^71 (truncation failure bound 2^-56). For 10 classes and 8 squarings:
 * 20 rounds (27 in the baseline mode) and about 46K values per party per step at batch 128 (a
 * Newton reciprocal after each squaring took 136 rounds).
 *
 * <pre>{@code
 * Network net = Network.builder().addFlatten().addDense(784, 10).loss(SoftmaxCrossEntropy.DEFAULT).build();
 * }</pre>
 */
public record SoftmaxCrossEntropy(int expSquarings, boolean revealBrier) implements Loss {
    /** The default: 8 squarings for exp. */
    public static final SoftmaxCrossEntropy DEFAULT = new SoftmaxCrossEntropy(8, false);

    /** The loss with this many squarings for the exponential, revealing nothing. */
    public SoftmaxCrossEntropy(int expSquarings) {
        this(expSquarings, false);
    }

    /**
     * This loss, also revealing each batch's Brier score {@code sum (p - y)^2 / N} to P0 (one
     * scalar per step, for progress display): one more opening of N x C values. Off by default:
     * it is information about the labels.
     */
    public SoftmaxCrossEntropy revealingBrierScore() {
        return new SoftmaxCrossEntropy(expSquarings, true);
    }
    /** Fractional bits inside the loss. */
    static final int LOSS_BITS = 32;

    @Override
    public String describe() {
        return "softmax_cross_entropy(exp=" + expSquarings + ")" + (revealBrier ? "+brier_to_P0" : "");
    }

    @Override
    public Secure secure(Shape logits, int batch, SecureSetup setup) {
        int n = logits.dim(0);
        int c = logits.dim(1);
        FixedPoint fp = new FixedPoint(LOSS_BITS);
        int f = LOSS_BITS;
        int up = LOSS_BITS - setup.fp().fractionalBits();
        boolean optimized = setup.optimized();
        RowNormaliser normaliser = new RowNormaliser(logits, expSquarings, f, optimized);
        return new Secure() {
            private final Mask[] wMask = new Mask[expSquarings];
            private final Power[] squarePower = new Power[expSquarings];        // optimized
            private final Product[] squareProduct = new Product[expSquarings];  // baseline
            private final Mask[] wMask2 = new Mask[expSquarings];
            private Mask errorMask;
            private Power errorSquare;
            private double brier = Double.NaN;

            @Override
            public void declare(Plan.Builder plan) {
                for (int k = 0; k < expSquarings; k++) {
                    if (k == 0 || !normaliser.squaresAfter(k - 1)) {
                        wMask[k] = plan.mask(logits);
                        if (optimized) {
                            squarePower[k] = plan.power(wMask[k], 2);
                        } else {
                            wMask2[k] = plan.mask(logits);
                            squareProduct[k] = plan.product(BilinearOps.elementwise(), wMask[k], wMask2[k], f);
                        }
                    }
                    normaliser.declare(plan, k);
                }
                if (revealBrier) {
                    errorMask = plan.mask(logits);
                    errorSquare = plan.power(errorMask, 2);
                }
            }

            @Override
            public double revealedLoss() {
                return brier;
            }

            @Override
            public Ring128Tensor gradient(ComputeParty party, Ring128Tensor logitShares, Ring128Tensor targets) {
                Ring128Tensor w = softmax(party, logitShares);
                Ring128Tensor error = w.sub(targets.shiftLeft(up));
                if (revealBrier) {
                    Ring128Tensor sum = party.powers(party.mask(error, errorMask), f, errorSquare)[2]
                            .reshape(Shape.of(n, c)).rowSums().reshape(Shape.of(1, n)).rowSums();
                    Ring128Tensor total = party.revealTo(Role.P0, sum);
                    brier = total == null ? Double.NaN : FixedPoint.decode(total, f)[0] / batch;
                }
                return party.truncate(error.mulScalar(fp.encode(1.0 / batch)), f + up);
            }

            @Override
            public Ring128Tensor probabilities(ComputeParty party, Ring128Tensor logitShares) {
                return party.truncate(softmax(party, logitShares), up);
            }

            /** Shares of each row's softmax, with the loss's fractional bits. */
            private Ring128Tensor softmax(ComputeParty party, Ring128Tensor logitShares) {
                Ring128Tensor z = logitShares.shiftLeft(up);
                Ring128Tensor mean = party.truncate(z.rowSums().mulScalar(fp.encode(1.0 / c)), f);
                Ring128Tensor u = z.sub(mean.broadcastColumns(c));
                Ring128Tensor w = party.addPublic(party.truncate(u, expSquarings), fp.encode(1.0));
                w = party.truncate(w.mulScalar(fp.encode(1.0 / c)), f);
                Ring128Tensor g = square(party, w, 0);
                for (int k = 0; k < expSquarings - 1; k++) {
                    Ring128Tensor next = normaliser.stage(party, g, k);
                    g = normaliser.squaresAfter(k) ? next : square(party, next, k + 1);
                }
                return normaliser.stage(party, g, expSquarings - 1);
            }

            /** Shares of w^2, squaring k (one round). */
            private Ring128Tensor square(ComputeParty party, Ring128Tensor w, int k) {
                if (optimized) {
                    return party.powers(party.mask(w, wMask[k]), f, squarePower[k])[2];
                }
                List<MaskedTensor> ww = party.maskAll(List.of(w, w), List.of(wMask[k], wMask2[k]));
                return party.multiply(squareProduct[k], ww.get(0), ww.get(1));
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
