package org.spdz4j.federated;

import java.util.ArrayList;
import java.util.List;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.triples.Plan;

/**
 * A bound on the L2 norm of each client's update, checked by P0 and P1 on their shares of the
 * clients' vectors {@code (n_k * update_k, n_k)} with the dealer's randomness; only the verdict,
 * pass or fail per client, is opened (to both aggregators), never a norm. A client passes when
 * {@code ||n_k update_k||^2 <= B^2 n_k^2}, i.e. {@code ||update_k|| <= B}: the vectors are masked
 * and opened once, squared from that opening (the plan's {@code A^2}), summed per row, and
 * {@code d = n_k^2 * round(256 B^2) - 256 * ||n_k update_k||^2} goes through one secure
 * comparison of {@link #BITS} bits. The squares are truncated back to the fixed-point scale, so
 * the norm is exact up to one unit in the last place per element (at 20 fractional bits and a
 * million values, about 1 in the squared norm). A round's plan has one row per sampled client;
 * clients not in the sum are checked as zero rows.
 *
 * <p>Before the norm can be trusted, what a client sends is checked on shares too, from the same
 * opening: every element within the fixed-point headroom {@code [-2^62, 2^62)} (two 128-bit
 * comparisons per element, so a share shifted by 2^126 cannot wrap its square back to a small
 * norm, nor one shifted by 2^127 hide behind an unchanged square), and the example count in
 * {@code [1, n_max]} (two comparisons per client). Opened: per
 * client, whether its norm and count pass and how many of its elements lie outside (0 for an
 * honest client). Cost: the element check dominates, about 2 x 128 comparison bits per value;
 * it runs only with {@code --norm-bound}.
 *
 * <p>With {@code --clip-on-shares} every element of each update is also clipped to
 * {@code [-clip, clip]} on shares (a coordinate-wise clipped mean: a client that skipped its own
 * clip, or scaled its update up within the norm bound, moves no coordinate by more than an honest
 * client could): {@code n u - relu(n u - clip n) + relu(-n u - clip n)}, both differences opened
 * in the round of the other checks' results and compared at {@value #CLIP_BITS} bits. Nothing is
 * opened about which elements were clipped; {@code clip n} is truncated once per client (a
 * value below 2^82 before it: failure at most 2^-45). Cost: two more comparisons per element, of
 * half the width of the range checks'.
 *
 * <pre>{@code
 * NormBound check = NormBound.of(sampled, values);     // check.plan(): the dealer's and both parties'
 * boolean[] pass = check.check(party, rows, 10.0);       // after party.beginStep(round, ...)
 * }</pre>
 */
public record NormBound(Plan plan, PlanEntry.Mask maskX, PlanEntry.Power square, PlanEntry.Mask maskD, PlanEntry.Sign sign,
                        PlanEntry.Mask maskN, PlanEntry.Sign atLeastOne, PlanEntry.Sign aboveMost,
                        PlanEntry.Sign elementAbove, PlanEntry.Sign elementNotBelow,
                        PlanEntry.Sign aboveClip, PlanEntry.Sign belowClip) {
    /** Width of the comparison: {@code |d| < 2^99}, room for 2^28-scaled squared norms of 2^70. */
    static final int BITS = 100;
    /**
     * Width of the count's and the elements' comparisons: the whole ring, so every ring value is
     * seen as the signed value it is (a 127-bit comparison let a shift of exactly 2^127 through,
     * and that shift leaves a square unchanged).
     */
    static final int COUNT_BITS = 128;
    /** Width of the clip's comparisons: {@code |n u -+ clip n| < 2^63} for every element within the headroom. */
    static final int CLIP_BITS = 66;
    /** {@code B^2} is applied as a multiple of 1/256 (8 bits), so no product by a public real needs a truncation. */
    private static final int SCALE_BITS = 8;

    /** A round's plan and its entries: {@code clients} rows of {@code values} values (the update then the count). */
    static NormBound of(int clients, int values) {
        return of(clients, values, false);
    }

    /** As {@link #of(int, int)}, with the clip's comparisons when {@code clip}. */
    static NormBound of(int clients, int values, boolean clip) {
        Plan.Builder b = Plan.builder("norm bound " + clients + " x " + values);
        PlanEntry.Mask x = b.mask(Shape.of(clients, values));
        PlanEntry.Power square = b.power(x, 2);
        PlanEntry.Mask d = b.mask(Shape.of(clients));
        PlanEntry.Sign sign = b.sign(d, BITS);
        PlanEntry.Mask n = b.mask(Shape.of(clients)); // each client's example count, checked in range on its own
        PlanEntry.Sign atLeastOne = b.sign(n, COUNT_BITS);
        PlanEntry.Sign aboveMost = b.sign(n, COUNT_BITS);
        PlanEntry.Sign elementAbove = b.sign(x, COUNT_BITS); // every element within the headroom, from x's one opening
        PlanEntry.Sign elementNotBelow = b.sign(x, COUNT_BITS);
        PlanEntry.Sign aboveClip = null;
        PlanEntry.Sign belowClip = null;
        if (clip) { // n u - clip n and -n u - clip n for every element but the count
            Shape elements = Shape.of(clients, values - 1);
            aboveClip = b.sign(b.mask(elements), CLIP_BITS);
            belowClip = b.sign(b.mask(elements), CLIP_BITS);
        }
        return new NormBound(b.build(), x, square, d, sign, n, atLeastOne, aboveMost, elementAbove, elementNotBelow,
                aboveClip, belowClip);
    }

    /**
     * Whether each row's update is within {@code bound}, at both parties; {@code rows} are this
     * party's shares, at most as many as the plan's clients (the rest are checked as zero rows),
     * each {@code values} long, at the fixed-point scale. The party's step must have begun.
     */
    boolean[] check(ComputeParty party, List<Ring128Tensor> rows, double bound) {
        return check(party, rows, bound, Long.MAX_VALUE >> party.fixedPoint().fractionalBits(), 0).pass();
    }

    /**
     * A client's verdict: whether its update is within the bound and its example count in
     * {@code [1, mostExamples]}; the two are opened together, both parties learn both.
     */
    record Verdict(boolean[] normOk, boolean[] countOk, long[] elementsOutside, List<Ring128Tensor> rows) {
        boolean[] pass() {
            boolean[] p = new boolean[normOk.length];
            for (int i = 0; i < p.length; i++) {
                p[i] = normOk[i] && countOk[i] && elementsOutside[i] == 0;
            }
            return p;
        }
    }

    /**
     * As {@link #check(ComputeParty, List, double)}, each client's example count also checked
     * on shares to lie in {@code [1, mostExamples]} (two comparisons per client): a negative,
     * zero or inflated count is refused before it could touch the total. With a plan that clips
     * and {@code clip > 0}, the verdict's rows are this party's shares of the rows with every
     * element clipped to {@code [-clip n, clip n]}; otherwise the rows given.
     */
    Verdict check(ComputeParty party, List<Ring128Tensor> rows, double bound, long mostExamples, double clip) {
        int m = maskX.shape().dim(0);
        int v = maskX.shape().dim(1);
        if (rows.size() > m) {
            throw new IllegalArgumentException("the norm bound's plan checks " + m + " clients, given " + rows.size());
        }
        List<Ring128Tensor> all = new ArrayList<>(rows);
        while (all.size() < m) {
            all.add(Ring128Tensor.zeros(Shape.of(v)));
        }
        Ring128Tensor x = Ring128Tensor.concat(all).reshape(Shape.of(m, v));
        MaskedTensor mx = party.mask(x, maskX);
        Ring128Tensor squares = party.powers(mx, party.fixedPoint().fractionalBits(), square)[2];
        Ring128Tensor sums = squares.rowSums();
        List<Ring128Tensor> counts = new ArrayList<>();
        for (int r = 0; r < m; r++) {
            counts.add(squares.slice(r * v + v - 1, Shape.of(1)));
        }
        Ring128Tensor n2 = Ring128Tensor.concat(counts);
        long limit = Math.round(bound * bound * (1 << SCALE_BITS));
        if (!(bound > 0) || limit <= 0 || limit > 1L << 40) {
            throw new IllegalArgumentException("a norm bound must be in (0, 2^16), got " + bound);
        }
        Ring128Tensor d = n2.mulScalar(limit).sub(sums.sub(n2).mulScalar(1L << SCALE_BITS));
        Ring128Tensor normBits = party.compare(sign, party.mask(d, maskD)).nonNegative();
        List<Ring128Tensor> countShares = new ArrayList<>();
        for (Ring128Tensor row : all) {
            countShares.add(row.slice(v - 1, Shape.of(1)));
        }
        int f = party.fixedPoint().fractionalBits();
        MaskedTensor n = party.mask(Ring128Tensor.concat(countShares), maskN);
        Ring128Tensor notBelow = party.compare(atLeastOne, party.addPublic(n, -(1L << f))).nonNegative();
        Ring128Tensor above = party.compare(aboveMost, party.addPublic(n, -(mostExamples << f) - 1)).nonNegative();
        // every element within the fixed-point headroom 2^62, before its square could wrap around the ring
        long headroom = 1L << FederatedTraining.HEADROOM_BITS;
        Ring128Tensor over = party.compare(elementAbove, party.addPublic(mx, -headroom)).nonNegative();
        Ring128Tensor notUnder = party.compare(elementNotBelow, party.addPublic(mx, headroom)).nonNegative();
        Ring128Tensor outside = party.addPublic(over.sub(notUnder).rowSums(), v); // per client: elements outside
        List<Ring128Tensor> checked = aboveClip != null && clip > 0 ? clipped(party, x, m, v, clip) : rows;
        List<Ring128Tensor> opened = party.openAll(List.of(normBits, notBelow.sub(above), outside));
        boolean[] normOk = new boolean[m];
        boolean[] countOk = new boolean[m];
        long[] elementsOutside = new long[m];
        for (int r = 0; r < m; r++) {
            normOk[r] = isOne(opened.get(0), r);
            countOk[r] = isOne(opened.get(1), r);
            elementsOutside[r] = opened.get(2).lo(r);
        }
        return new Verdict(normOk, countOk, elementsOutside, checked.subList(0, rows.size()));
    }

    /** Each row of {@code x} (m x v: the update, then the count n) with the update's elements clipped to {@code [-clip n, clip n]}. */
    private List<Ring128Tensor> clipped(ComputeParty party, Ring128Tensor x, int m, int v, double clip) {
        int f = party.fixedPoint().fractionalBits();
        List<Ring128Tensor> updates = new ArrayList<>();
        List<Ring128Tensor> limits = new ArrayList<>();
        for (int r = 0; r < m; r++) {
            updates.add(x.slice(r * v, Shape.of(v - 1)));
            Ring128Tensor n = x.slice(r * v + v - 1, Shape.of(1));
            limits.add(party.truncate(n.mulScalar(party.fixedPoint().encode(clip)), f).broadcastColumns(v - 1).reshape(Shape.of(v - 1)));
        }
        Shape elements = Shape.of(m, v - 1);
        Ring128Tensor u = Ring128Tensor.concat(updates).reshape(elements);
        Ring128Tensor limit = Ring128Tensor.concat(limits).reshape(elements);
        List<MaskedTensor> both = party.maskAll(List.of(u.sub(limit), u.negate().sub(limit)),
                List.of(aboveClip.mask(), belowClip.mask()));
        Ring128Tensor over = party.compare(aboveClip, both.get(0)).relu();   // relu(n u - clip n)
        Ring128Tensor under = party.compare(belowClip, both.get(1)).relu();  // relu(-n u - clip n)
        Ring128Tensor clippedU = u.sub(over).add(under);
        List<Ring128Tensor> out = new ArrayList<>();
        for (int r = 0; r < m; r++) {
            out.add(Ring128Tensor.concat(List.of(clippedU.slice(r * (v - 1), Shape.of(v - 1)), x.slice(r * v + v - 1, Shape.of(1)))));
        }
        return out;
    }

    private static boolean isOne(Ring128Tensor bits, int r) {
        return bits.lo(r) == 1 && bits.hi(r) == 0;
    }
}
