package org.spdz4j.federated;

import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.CorrelatedRandomness;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.triples.Plan;

/**
 * The check on shares of what each federated client sends, by P0 and P1 with the dealer's
 * randomness, before it touches the sum; only the verdicts are opened (to both aggregators),
 * never a value. On by default in secure aggregation ({@code --no-input-check} turns it off).
 *
 * <p>From one opening of the clients' vectors {@code (n_k * update_k, n_k)} (one row per sampled
 * client; clients not in the sum are checked as zero rows): every update element within the
 * fixed-point headroom {@code [-2^62, 2^62)} (two 128-bit comparisons per element, so a share
 * shifted by 2^126 cannot wrap the sum, nor one shifted by 2^127 hide behind an unchanged
 * square), and the example count in {@code [1, n_max]} (two comparisons per client). Each pair
 * runs as one comparison of the tensor stacked on itself (a derived mask, nothing more opened),
 * its halves shifted to the two ends of the range, so the pair costs the rounds of one. Opened:
 * per client, whether its count passes and how many of its elements' range checks fail (one for
 * an element beyond the headroom, both for -2^127; 0 for an honest client). Cost: about 2 x 128
 * comparison bits per value. The update is checked in slices of {@link #ELEMENTS_PER_STEP}
 * elements, one plan step each, so memory does not grow with the model.
 *
 * <p>With a norm bound B ({@code --norm-bound}), a client also passes only when
 * {@code ||n_k update_k||^2 <= B^2 n_k^2}, i.e. {@code ||update_k|| <= B}: the elements are
 * squared from the same opening (the plan's {@code A^2}, truncated back to the fixed-point scale,
 * so the norm is exact up to one unit in the last place per element), summed per row, and
 * {@code d = n_k^2 * round(256 B^2) - 256 * ||n_k update_k||^2} goes through one secure
 * comparison of {@link #BITS} bits.
 *
 * <p>With {@code --clip-on-shares} every element of each update is also clipped to
 * {@code [-clip, clip]} on shares (a coordinate-wise clipped mean: a client that skipped its own
 * clip, or scaled its update up within the norm bound, moves no coordinate by more than an honest
 * client could): {@code n u - relu(n u - clip n) + relu(-n u - clip n)}, both differences
 * opened together and compared in one comparison at {@value #CLIP_BITS} bits. Nothing is
 * opened about which elements were clipped; {@code clip n} is truncated once per client (a value below 2^82 before it: failure at most 2^-45). Cost: two
 * more comparisons per element, of half the width of the range checks'.
 *
 * <pre>{@code
 * InputCheck check = InputCheck.of(sampled, values, true, false);   // check.plan(): the dealer's and both parties'
 * Verdict v = check.check(party, randomness::forStep, round, rows, 10.0, nMax, 0);
 * }</pre>
 */
public record InputCheck(Plan plan, int clients, int values, int chunk, PlanEntry.Mask maskX, PlanEntry.Power square,
                        PlanEntry.Mask xTwice, PlanEntry.Sign elementsInRange, PlanEntry.Sign clipSigns,
                        PlanEntry.Mask maskN, PlanEntry.Power countSquare, PlanEntry.Mask nTwice, PlanEntry.Sign countInRange,
                        PlanEntry.Mask maskD, PlanEntry.Sign sign) {
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
    /**
     * Update elements (all clients together) checked in one step: a 128-bit comparison holds
     * about a kilobyte per element while it runs, so a model of a million parameters is checked
     * in slices of this many, one step each, and memory stays near 150 MB a party.
     */
    static final int ELEMENTS_PER_STEP = 1 << 17;

    /** The checks of a round without a norm bound or clip: rows of {@code values} values (the update then the count). */
    static InputCheck of(int clients, int values) {
        return of(clients, values, false, false);
    }

    /** As {@link #of(int, int)}, with the norm's comparison when {@code norm}, the clip's when {@code clip}. */
    static InputCheck of(int clients, int values, boolean norm, boolean clip) {
        return of(clients, values, norm, clip, ELEMENTS_PER_STEP);
    }

    /** As {@link #of(int, int, boolean, boolean)}, at most about {@code elementsPerStep} update elements a step. */
    static InputCheck of(int clients, int values, boolean norm, boolean clip, int elementsPerStep) {
        int updates = values - 1;
        int chunk = Math.max(1, Math.min(updates, elementsPerStep / clients));
        Plan.Builder b = Plan.builder("input check " + clients + " x " + values + " in slices of " + chunk
                + (norm ? ", norm bound" : "") + (clip ? ", clip" : ""));
        Shape slice = Shape.of(clients, chunk);
        PlanEntry.Mask x = b.mask(slice);
        PlanEntry.Power square = norm ? b.power(x, 2) : null;
        // x twice, from x's one opening: its halves shifted apart compare every element against both ends at once
        PlanEntry.Mask xTwice = b.derive(Shape.of(2, clients, chunk), List.of(x), twice(clients * chunk), null);
        PlanEntry.Sign elementsInRange = b.signOnly(xTwice, COUNT_BITS);
        PlanEntry.Sign clipSigns = clip ? b.sign(b.mask(Shape.of(2, clients, chunk)), CLIP_BITS) : null; // n u -+ clip n
        PlanEntry.Mask n = b.mask(Shape.of(clients)); // each client's example count, checked in range on its own
        PlanEntry.Power countSquare = norm ? b.power(n, 2) : null;
        PlanEntry.Mask nTwice = b.derive(Shape.of(2, clients), List.of(n), twice(clients), null);
        PlanEntry.Sign countInRange = b.signOnly(nTwice, COUNT_BITS);
        PlanEntry.Mask d = norm ? b.mask(Shape.of(clients)) : null;
        PlanEntry.Sign sign = norm ? b.signOnly(d, BITS) : null;
        return new InputCheck(b.build(), clients, values, chunk, x, square, xTwice, elementsInRange, clipSigns,
                n, countSquare, nTwice, countInRange, d, sign);
    }

    /** Indices 0 .. n-1, twice: a derivation that stacks a tensor of n elements on itself. */
    private static int[] twice(int n) {
        int[] plus = new int[2 * n];
        for (int i = 0; i < 2 * n; i++) {
            plus[i] = i % n;
        }
        return plus;
    }

    /** Steps of the plan a round takes: one per slice of the update (the count's and norm's checks ride on the last). */
    int stepsPerRound() {
        return (values - 1 + chunk - 1) / chunk;
    }

    /**
     * Whether each row's update is within {@code bound}, at both parties; {@code rows} are this
     * party's shares, at most as many as the plan's clients (the rest are checked as zero rows),
     * each {@code values} long, at the fixed-point scale. Runs round 0's steps.
     */
    boolean[] check(ComputeParty party, IntFunction<CorrelatedRandomness> steps, List<Ring128Tensor> rows, double bound) {
        return check(party, steps, 0, rows, bound, Long.MAX_VALUE >> party.fixedPoint().fractionalBits(), 0).pass();
    }

    /**
     * A client's verdict: whether its update is within the bound (true without one) and its
     * example count in {@code [1, mostExamples]}, and how many of its elements' range checks fail
     * (0 exactly when every element is within the headroom); opened together, both parties learn all three.
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
     * Round {@code round}'s check, its steps {@code round * stepsPerRound()} on, each begun here
     * with {@code steps}' randomness: every element in the headroom, each example count in
     * {@code [1, mostExamples]} (a negative, zero or inflated count is refused before it could
     * touch the total) and, with a plan that has the norm, each update within {@code bound}.
     * With a plan that clips and {@code clip > 0}, the verdict's rows are this party's shares of
     * the rows with every element clipped to {@code [-clip n, clip n]}; otherwise the rows given.
     */
    Verdict check(ComputeParty party, IntFunction<CorrelatedRandomness> steps, int round, List<Ring128Tensor> rows,
                  double bound, long mostExamples, double clip) {
        int m = clients;
        int v = values;
        if (rows.size() > m) {
            throw new IllegalArgumentException("the input check's plan checks " + m + " clients, given " + rows.size());
        }
        long limit = Math.round(bound * bound * (1 << SCALE_BITS));
        if (sign != null && (!(bound > 0) || limit <= 0 || limit > 1L << 40)) {
            throw new IllegalArgumentException("a norm bound must be in (0, 2^16), got " + bound);
        }
        List<Ring128Tensor> all = new ArrayList<>(rows);
        while (all.size() < m) {
            all.add(Ring128Tensor.zeros(Shape.of(v)));
        }
        List<Ring128Tensor> countShares = new ArrayList<>();
        for (Ring128Tensor row : all) {
            countShares.add(row.slice(v - 1, Shape.of(1)));
        }
        Ring128Tensor counts = Ring128Tensor.concat(countShares);
        boolean clipping = clipSigns != null && clip > 0;
        Ring128Tensor clipLimits = clipping ? clipLimits(party, counts, clip) : null;
        long headroom = 1L << FederatedTraining.HEADROOM_BITS;
        Ring128Tensor squareSums = Ring128Tensor.zeros(Shape.of(m));
        Ring128Tensor outside = Ring128Tensor.zeros(Shape.of(m));
        List<List<Ring128Tensor>> clippedSlices = new ArrayList<>();
        int slices = stepsPerRound();
        for (int j = 0; j < slices; j++) {
            int step = round * slices + j;
            party.beginStep(step, steps.apply(step));
            int from = j * chunk;
            int width = Math.min(chunk, v - 1 - from);
            Ring128Tensor x = slice(all, from, width);
            MaskedTensor mx = party.mask(x, maskX);
            if (square != null) {
                squareSums = squareSums.add(party.powers(mx, party.fixedPoint().fractionalBits(), square)[2].rowSums());
            }
            // every element within the fixed-point headroom 2^62, before its square could wrap around the ring:
            // [x - 2^62 >= 0] and [x + 2^62 >= 0] in one comparison
            Ring128Tensor bits = party.compare(elementsInRange, party.addPublic(party.derive(xTwice, List.of(mx)),
                    halves(xTwice.shape(), -headroom, headroom))).nonNegative();
            Ring128Tensor over = bits.slice(0, Shape.of(m, chunk));
            Ring128Tensor notUnder = bits.slice(m * chunk, Shape.of(m, chunk));
            outside = outside.add(party.addPublic(over.sub(notUnder).rowSums(), chunk)); // per client: checks failed
            if (clipping) {
                clippedSlices.add(clipped(party, x, clipLimits, width));
            }
        }
        int f = party.fixedPoint().fractionalBits();
        MaskedTensor n = party.mask(counts, maskN);
        Ring128Tensor countBits = party.compare(countInRange, party.addPublic(party.derive(nTwice, List.of(n)),
                halves(nTwice.shape(), -(1L << f), -(mostExamples << f) - 1))).nonNegative(); // [n >= 1], [n > most]
        Ring128Tensor notBelow = countBits.slice(0, Shape.of(m));
        Ring128Tensor above = countBits.slice(m, Shape.of(m));
        List<Ring128Tensor> verdicts = new ArrayList<>(List.of(notBelow.sub(above), outside));
        if (sign != null) {
            Ring128Tensor n2 = party.powers(n, f, countSquare)[2];
            Ring128Tensor d = n2.mulScalar(limit).sub(squareSums.mulScalar(1L << SCALE_BITS));
            verdicts.add(party.compare(sign, party.mask(d, maskD)).nonNegative());
        }
        List<Ring128Tensor> opened = party.openAll(verdicts);
        boolean[] normOk = new boolean[m];
        boolean[] countOk = new boolean[m];
        long[] elementsOutside = new long[m];
        for (int r = 0; r < m; r++) {
            countOk[r] = isOne(opened.get(0), r);
            elementsOutside[r] = opened.get(1).lo(r);
            normOk[r] = sign == null || isOne(opened.get(2), r);
        }
        List<Ring128Tensor> checked = clipping ? joined(clippedSlices, countShares) : all;
        return new Verdict(normOk, countOk, elementsOutside, checked.subList(0, rows.size()));
    }

    /** A tensor of {@code shape} (2, ...): its first half {@code first}, its second {@code second}; the shifts of a tensor stacked on itself. */
    private static Ring128Tensor halves(Shape shape, long first, long second) {
        Shape half = Shape.of(shape.size() / 2);
        return Ring128Tensor.concat(List.of(Ring128Tensor.filled(half, first), Ring128Tensor.filled(half, second))).reshape(shape);
    }

    /** Columns {@code from .. from + width - 1} of every row, padded with zero columns to the slice's width. */
    private Ring128Tensor slice(List<Ring128Tensor> rows, int from, int width) {
        List<Ring128Tensor> parts = new ArrayList<>();
        for (Ring128Tensor row : rows) {
            parts.add(row.slice(from, Shape.of(width)));
            if (width < chunk) {
                parts.add(Ring128Tensor.zeros(Shape.of(chunk - width)));
            }
        }
        return Ring128Tensor.concat(parts).reshape(Shape.of(clients, chunk));
    }

    /** Each client's {@code clip n}, once a round, broadcast to a slice's width. */
    private Ring128Tensor clipLimits(ComputeParty party, Ring128Tensor counts, double clip) {
        int f = party.fixedPoint().fractionalBits();
        Ring128Tensor limits = party.truncate(counts.mulScalar(party.fixedPoint().encode(clip)), f);
        return limits.broadcastColumns(chunk).reshape(Shape.of(clients, chunk));
    }

    /** A slice {@code x} of the updates clipped to {@code [-clip n, clip n]}: per client its first {@code width} elements. */
    private List<Ring128Tensor> clipped(ComputeParty party, Ring128Tensor x, Ring128Tensor limit, int width) {
        Ring128Tensor both = Ring128Tensor.concat(List.of(x.sub(limit), x.negate().sub(limit)));
        Ring128Tensor relus = party.compare(clipSigns, party.mask(both.reshape(clipSigns.shape()), clipSigns.mask())).relu();
        Ring128Tensor over = relus.slice(0, x.shape());                 // relu(n u - clip n)
        Ring128Tensor under = relus.slice(x.size(), x.shape());         // relu(-n u - clip n)
        Ring128Tensor clippedX = x.sub(over).add(under);
        List<Ring128Tensor> out = new ArrayList<>();
        for (int r = 0; r < clients; r++) {
            out.add(clippedX.slice(r * chunk, Shape.of(width)));
        }
        return out;
    }

    /** Each client's row again: its clipped slices in order, then its count. */
    private List<Ring128Tensor> joined(List<List<Ring128Tensor>> slices, List<Ring128Tensor> counts) {
        List<Ring128Tensor> out = new ArrayList<>();
        for (int r = 0; r < clients; r++) {
            List<Ring128Tensor> parts = new ArrayList<>();
            for (List<Ring128Tensor> s : slices) {
                parts.add(s.get(r));
            }
            parts.add(counts.get(r));
            out.add(Ring128Tensor.concat(parts));
        }
        return out;
    }

    private static boolean isOne(Ring128Tensor bits, int r) {
        return bits.lo(r) == 1 && bits.hi(r) == 0;
    }
}
