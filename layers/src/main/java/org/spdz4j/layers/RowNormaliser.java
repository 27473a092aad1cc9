package org.spdz4j.layers;

import java.util.Arrays;
import java.util.List;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.Polynomial;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry.Operand;
import org.spdz4j.core.mpc.PlanEntry.Power;
import org.spdz4j.core.mpc.PlanEntry.Product;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.triples.Plan;

/**
 * Rescales every row of an N x C tensor of squares on shares so that it sums to about 1: the
 * step the secure softmax takes after each squaring, in one round plus a few. Only the rows'
 * proportions matter to the softmax (a constant per row cancels in the last normalisation), so
 * between squarings the row sums need only stay in a band {@code [1 - e, 1 + e]}, and only the
 * last normalisation must reach 1 closely. Two kinds of round:
 * <ol>
 *   <li><b>scale</b>: {@code w = g p(r)} with r each row's sum of g and p a cubic fitted to
 *       {@code 1/r} (relative minimax, Lawson's iteration) on the domain the band allows: a row
 *       of w summing to s has squares summing to between {@code s^2 / C} and {@code s^2}. g and r
 *       (at {@value #ROW_SUM_BITS} fractional bits) are opened together, and the dealer's
 *       {@code D A^m} for g's mask D and the powers of r's mask A give every {@code g r^m}
 *       locally ({@link ComputeParty#timesPowers});</li>
 *   <li><b>refine</b>: {@code w = w (2 - s)} with s each row's sum of w, which takes a sum of
 *       {@code 1 + d} to {@code 1 - d^2}.</li>
 * </ol>
 * <b>Fused</b> (the optimized mode): the last refinement between two squarings and the next
 * squaring take one round together. w and {@code y = 2 - s} are opened at once, w at
 * {@value #FUSED_W_BITS} fractional bits and y at {@value #FUSED_Y_BITS}, and the dealer's
 * powers and products of their masks give the next squares {@code (w y)^2} locally
 * ({@link ComputeParty#productOfPowers}; below 2^70). y's coarse quantisation only scales a
 * row, which the band allows for. The last normalisation is never fused: its refinements keep
 * the loss's full precision.
 *
 * <p>The {@link Schedule} (the band, the cubic, how many refinements follow a scale between
 * squarings and after the last) is planned from C alone, in strict floating point so both
 * parties plan the same, to take the fewest rounds; C for which no band holds is refused.
 * For C = 10 and 8 squarings: 20 rounds fused and 27 unfused, where a Newton reciprocal after
 * every squaring took 136.
 */
final class RowNormaliser {
    /** Fractional bits of the row sums r in {@code g r^m}: {@code g r^3} stays below 2^71. */
    static final int ROW_SUM_BITS = 12;
    /** Fractional bits of the cubic's coefficients. */
    static final int COEFFICIENT_BITS = 16;
    /**
     * Bits kept below g's while the cubic's terms are weighted: its coefficients are large and
     * cancel (up to about 200 for C = 100), so a term truncated to g's bits would carry their
     * size in error. The weighted terms stay below 2^64.
     */
    static final int GUARD_BITS = 8;
    /** Degree of the polynomial that approximates 1/r. */
    static final int DEGREE = 3;
    /** How far from 1 the last normalisation's row sums may be, before truncation (C ulp). */
    static final double FINAL_ERROR = 0x1p-26;
    /** Most refinements considered after one scale. */
    static final int MAX_REFINEMENTS = 8;
    /** Fractional bits of w where a refinement and the next squaring are fused. */
    static final int FUSED_W_BITS = 28;
    /** Fractional bits of y = 2 - s there: {@code (w y)^2 <= 1} lies below 2^(2 (28 + 7)). */
    static final int FUSED_Y_BITS = 7;

    /**
     * The public plan of the normalisation for C classes.
     *
     * @param coefficients      the cubic's coefficients, lowest first, at {@value #COEFFICIENT_BITS} fractional bits
     * @param band              e: between squarings each row sums to within [1 - e, 1 + e]
     * @param refinements       refinements after each scale but the last
     * @param finalRefinements  refinements after the last scale
     * @param fused             whether the last refinement between squarings is fused with the next squaring
     */
    record Schedule(int classes, double band, long[] coefficients, int refinements, int finalRefinements, boolean fused) {
        /**
         * Exchange rounds of a softmax with this many squarings: one a squaring, one a scale, one
         * a refinement, less one between squarings where fused (at least one refinement there).
         */
        int rounds(int squarings) {
            if (fused) {
                return 1 + squarings + (squarings - 1) * refinements + finalRefinements;
            }
            return (squarings - 1) * (2 + refinements) + 2 + finalRefinements;
        }

        /** The cubic, decoded. */
        double p(double r) {
            return polynomial().evaluate(r);
        }

        /** The cubic as its encoded coefficients say. */
        Polynomial polynomial() {
            return new Polynomial(Arrays.stream(coefficients).mapToDouble(c -> Math.scalb((double) c, -COEFFICIENT_BITS)).toArray());
        }

        @Override
        public String toString() {
            return "Schedule[C=" + classes + ", band=" + band + ", coefficients=" + Arrays.toString(coefficients)
                    + ", refinements=" + refinements + ", final=" + finalRefinements + (fused ? ", fused" : "") + "]";
        }
    }

    /**
     * The schedule with the fewest rounds for C classes and this many squarings, fused or not;
     * refuses a C no band holds.
     */
    static Schedule schedule(int classes, int squarings, boolean fused) {
        Schedule best = null;
        for (int i = 7; i >= 2; i--) {
            Schedule s = withBand(classes, Math.scalb(1.0, -i), fused);
            if (s != null && (best == null || s.rounds(squarings) < best.rounds(squarings))) {
                best = s;
            }
        }
        if (best == null) {
            throw new IllegalArgumentException("the softmax on shares cannot normalise rows of " + classes
                    + " classes: the row sums range over more than its fixed point and cubic can follow");
        }
        return best;
    }

    /** The schedule keeping row sums within {@code 1 +- band}, or null if none does. */
    private static Schedule withBand(int classes, double band, boolean fused) {
        double lo = 1 - band;
        double hi = 1 + band;
        double a = lo * lo / classes;
        double b = hi * hi;
        double[] fitted = fit(a, b);
        long[] coefficients = new long[fitted.length];
        for (int m = 0; m < fitted.length; m++) {
            coefficients[m] = Math.round(Math.scalb(fitted[m], COEFFICIENT_BITS));
        }
        Schedule unrefined = new Schedule(classes, band, coefficients, 0, 0, fused);
        double[] sums = rowSumsAfterScale(unrefined, a, b);
        if (sums[0] < 0.05 || sums[1] > 1.95) {
            return null;
        }
        // fused, the last refinement between squarings has y within 2^-FUSED_Y_BITS and w's C elements
        // each within 2^-FUSED_W_BITS
        int refinements = fused
                ? refinementsInto(sums, lo, hi, 1, Math.scalb(1.0, -FUSED_Y_BITS), classes * Math.scalb(1.0, -FUSED_W_BITS))
                : refinementsInto(sums, lo, hi, 0, 0, 0);
        int last = refinementsInto(sums, 1 - FINAL_ERROR, 1 + FINAL_ERROR, 0, 0, 0);
        return refinements < 0 || last < 0 ? null : new Schedule(classes, band, coefficients, refinements, last, fused);
    }

    /**
     * The range of {@code r p(r)} over [a, b] on a fine geometric grid, widened for r's
     * quantisation (2^-{@value #ROW_SUM_BITS} and a truncation: relative {@code 2^-11 / a}) and
     * the grid's gaps.
     */
    static double[] rowSumsAfterScale(Schedule s, double a, double b) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        Polynomial p = s.polynomial();
        int n = 4096;
        for (int i = 0; i <= n; i++) {
            double r = a * StrictMath.pow(b / a, (double) i / n);
            double v = r * p.evaluate(r);
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        double q = Math.scalb(1.5, -(ROW_SUM_BITS - 1)) / a;
        return new double[]{lo * (1 - q) - 1e-4, hi * (1 + q) + 1e-4};
    }

    /**
     * Refinements {@code s -> s (2 - s)}, at least {@code least}, that take row sums in
     * {@code sums} into [lo, hi], the last one's result off by up to {@code s yQuantum + wQuantum}
     * for a sum s before it (a fused refinement's coarse y and w); -1 if more than the most.
     */
    static int refinementsInto(double[] sums, double lo, double hi, int least, double yQuantum, double wQuantum) {
        double l = sums[0];
        double h = sums[1];
        if (least == 0 && l >= lo && h <= hi) {
            return 0;
        }
        for (int k = 1; k <= MAX_REFINEMENTS; k++) {
            double refinedLo = Math.min(l * (2 - l), h * (2 - h));
            double refinedHi = l <= 1 && h >= 1 ? 1 : Math.max(l * (2 - l), h * (2 - h));
            if (k >= least && refinedLo - h * yQuantum - wQuantum >= lo && refinedHi + h * yQuantum + wQuantum <= hi) {
                return k;
            }
            l = refinedLo;
            h = 1;
        }
        return -1;
    }

    /**
     * Coefficients of the cubic p minimising {@code max |r p(r) - 1|} on [a, b] (on a geometric
     * grid): weighted least squares, the weights multiplied by each point's error (Lawson).
     */
    static double[] fit(double a, double b) {
        int n = 257;
        double[] x = new double[n];
        double[] weight = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = a * StrictMath.pow(b / a, (double) i / (n - 1));
            weight[i] = 1.0 / n;
        }
        double[] c = null;
        for (int iteration = 0; iteration < 60; iteration++) {
            c = weightedLeastSquares(x, weight);
            double total = 0;
            for (int i = 0; i < n; i++) {
                weight[i] *= Math.abs(x[i] * new Polynomial(c).evaluate(x[i]) - 1);
                total += weight[i];
            }
            for (int i = 0; i < n; i++) {
                weight[i] /= total;
            }
        }
        return c;
    }

    /** Minimises {@code sum weight (x p(x) - 1)^2} over the cubic's coefficients: the normal equations. */
    private static double[] weightedLeastSquares(double[] x, double[] weight) {
        int k = DEGREE + 1;
        double[][] m = new double[k][k + 1];
        for (int i = 0; i < x.length; i++) {
            double[] basis = new double[k];
            double v = x[i];
            for (int j = 0; j < k; j++) {
                basis[j] = v;   // x^(j+1): x p(x) = sum c_j x^(j+1)
                v *= x[i];
            }
            for (int j = 0; j < k; j++) {
                for (int l = 0; l < k; l++) {
                    m[j][l] += weight[i] * basis[j] * basis[l];
                }
                m[j][k] += weight[i] * basis[j];
            }
        }
        for (int col = 0; col < k; col++) {
            int pivot = col;
            for (int row = col + 1; row < k; row++) {
                if (Math.abs(m[row][col]) > Math.abs(m[pivot][col])) {
                    pivot = row;
                }
            }
            double[] t = m[col];
            m[col] = m[pivot];
            m[pivot] = t;
            for (int row = col + 1; row < k; row++) {
                double factor = m[row][col] / m[col][col];
                for (int l = col; l <= k; l++) {
                    m[row][l] -= factor * m[col][l];
                }
            }
        }
        double[] c = new double[k];
        for (int row = k - 1; row >= 0; row--) {
            double s = m[row][k];
            for (int l = row + 1; l < k; l++) {
                s -= m[row][l] * c[l];
            }
            c[row] = s / m[row][row];
        }
        return c;
    }

    private final Shape shape;
    private final int lossBits;
    private final Schedule schedule;
    private final Stage[] stages;

    /**
     * @param logits     N x C
     * @param squarings  how many normalisations follow (one after each squaring)
     * @param lossBits   fractional bits of the tensors normalised
     * @param fused      whether each stage but the last ends with the next squaring (needs powers of masks)
     */
    RowNormaliser(Shape logits, int squarings, int lossBits, boolean fused) {
        this.shape = logits;
        this.lossBits = lossBits;
        this.schedule = schedule(logits.dim(1), squarings, fused);
        this.stages = new Stage[squarings];
    }

    Schedule schedule() {
        return schedule;
    }

    /** Whether stage k ends with the next stage's squaring ({@link #stage} returns squares). */
    boolean squaresAfter(int k) {
        return schedule.fused() && k < stages.length - 1;
    }

    /** Declares stage k's masks, powers and products, in the order {@link #stage} uses them. */
    void declare(Plan.Builder plan, int k) {
        Stage s = new Stage();
        s.g = plan.mask(shape);
        s.r = plan.mask(shape);
        s.powers = new Power[DEGREE - 1];
        for (int j = 2; j <= DEGREE; j++) {
            s.powers[j - 2] = plan.power(s.r, j);
        }
        s.gTimesPowers = new Product[DEGREE];
        for (int j = 1; j <= DEGREE; j++) {
            s.gTimesPowers[j - 1] = plan.product(BilinearOps.elementwise(), Operand.of(s.g), new Operand(s.r, j), 0);
        }
        int refinements = k == stages.length - 1 ? schedule.finalRefinements() : schedule.refinements();
        if (squaresAfter(k)) {
            refinements--;
        }
        s.w = new Mask[refinements];
        s.y = new Mask[refinements];
        s.refine = new Product[refinements];
        for (int i = 0; i < refinements; i++) {
            s.w[i] = plan.mask(shape);
            s.y[i] = plan.mask(Shape.of(shape.dim(0)));
            s.refine[i] = plan.product(BilinearOps.scaleRows(), s.w[i], s.y[i], lossBits);
        }
        if (squaresAfter(k)) {
            s.fusedW = plan.mask(shape);
            s.fusedY = plan.mask(shape);
            s.fusedPowers = new Power[]{plan.power(s.fusedW, 2), plan.power(s.fusedY, 2)};
            s.fusedProducts = new Product[4];
            for (int i = 1; i <= 2; i++) {
                for (int j = 1; j <= 2; j++) {
                    s.fusedProducts[2 * (i - 1) + j - 1] = plan.product(BilinearOps.elementwise(), new Operand(s.fusedW, i),
                            new Operand(s.fusedY, j), 0);
                }
            }
        }
        stages[k] = s;
    }

    /**
     * Stage k: shares of g with each row rescaled to sum to about 1 (within the band; closely at
     * the last stage); where {@link #squaresAfter}(k), the squares of that, the next stage's g.
     */
    Ring128Tensor stage(ComputeParty party, Ring128Tensor g, int k) {
        Stage s = stages[k];
        int c = shape.dim(1);
        Ring128Tensor r = party.truncate(g.rowSums(), lossBits - ROW_SUM_BITS).broadcastColumns(c);
        List<MaskedTensor> opened = party.maskAll(List.of(g, r), List.of(s.g, s.r));
        Ring128Tensor[] terms = party.timesPowers(opened.get(0), opened.get(1), s.powers, s.gTimesPowers);
        Ring128Tensor sum = Ring128Tensor.zeros(shape);
        for (int m = 0; m <= DEGREE; m++) {   // g r^m at GUARD_BITS more than g's bits, times c_m
            Ring128Tensor term = m == 0 ? terms[0].shiftLeft(GUARD_BITS) : party.truncate(terms[m], m * ROW_SUM_BITS - GUARD_BITS);
            sum = sum.add(term.mulScalar(schedule.coefficients()[m]));
        }
        Ring128Tensor w = party.truncate(sum, COEFFICIENT_BITS + GUARD_BITS);
        for (int i = 0; i < s.refine.length; i++) {
            Ring128Tensor twoMinusSum = twoMinusRowSums(party, w);
            List<MaskedTensor> wy = party.maskAll(List.of(w, twoMinusSum), List.of(s.w[i], s.y[i]));
            w = party.multiply(s.refine[i], wy.get(0), wy.get(1));
        }
        if (!squaresAfter(k)) {
            return w;
        }
        Ring128Tensor y = party.truncate(twoMinusRowSums(party, w), lossBits - FUSED_Y_BITS);
        List<MaskedTensor> wy = party.maskAll(List.of(party.truncate(w, lossBits - FUSED_W_BITS), y.broadcastColumns(c)),
                List.of(s.fusedW, s.fusedY));
        Ring128Tensor squares = party.productOfPowers(wy.get(0), 2, wy.get(1), 2, new Power[]{s.fusedPowers[0]},
                new Power[]{s.fusedPowers[1]}, s.fusedProducts);
        return party.truncate(squares, 2 * (FUSED_W_BITS + FUSED_Y_BITS) - lossBits);
    }

    /** Shares of {@code 2 - s} for each row's sum s of w, a refinement's factor (N). */
    private Ring128Tensor twoMinusRowSums(ComputeParty party, Ring128Tensor w) {
        return party.addPublic(w.rowSums().negate(), 2L << lossBits);
    }

    /** One stage's plan entries. */
    private static final class Stage {
        Mask g, r;
        Power[] powers;
        Product[] gTimesPowers;
        Mask[] w, y;
        Product[] refine;
        Mask fusedW, fusedY;     // the fused refinement and squaring, where planned
        Power[] fusedPowers;
        Product[] fusedProducts;
    }
}
