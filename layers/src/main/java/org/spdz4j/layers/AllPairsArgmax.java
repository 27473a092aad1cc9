package org.spdz4j.layers;

import java.util.ArrayList;
import java.util.List;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.mpc.PlanEntry.Sign;
import org.spdz4j.core.mpc.PlanEntry.SignMonomials;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.triples.Plan;

/**
 * The one-hot argmax of {@code outputs} groups of {@code candidates} shared values from one
 * comparison of every pair {@code i < j} at once, {@code c_ij = [x_i - x_j >= 0]} (ties to the
 * lower candidate, as {@link Tournament}), for the sign alone. Two candidates' one-hot is the bit
 * and its complement. Up to {@link #MONOMIALS_UP_TO} candidates the one that beats all others is {@code h_i = prod_(j > i) c_ij prod_(j < i) (1 -
 * c_ji)}, a product of comparison bits that costs no round ({@link ComputeParty#signMonomials};
 * the dealer's products grow as {@code 2^(C-1)} an element): 4 rounds for 10 classes. Beyond,
 * each candidate's wins are counted locally, {@code w_i = sum_(j > i) c_ij + sum_(j < i) (1 -
 * c_ji)}, and the one that beats all {@code C - 1} others is told by a second, narrow comparison
 * {@code [w_i - (C - 1) >= 0]} (its range is {@code [-(C - 1), 0]}: a few bits, a round fewer in
 * its carry tree): 7 rounds. A tournament takes {@code ceil(log2 C)} comparisons in a row and as
 * many products to route its winner back (20 rounds for 10 classes); this compares
 * {@code C (C - 1) / 2} elements a group instead of {@code C - 1}: fewer rounds for few
 * candidates, more of the dealer's bytes as C grows.
 *
 * <p>Within the comparisons' range the pairs order the candidates strictly, so exactly one wins
 * all. Where a difference leaves it a group may have no winner or several: {@link SecureArgmax}
 * turns that into a class number outside {@code 0 .. C-1}, which the client refuses.
 *
 * <p>Each instance is one party's: declare it in the plan, then run {@link #oneHot} once per step.
 */
final class AllPairsArgmax {
    /** The most candidates whose winner is a product of comparison bits; beyond, a second comparison tells it. */
    static final int MONOMIALS_UP_TO = PlanEntry.SignMonomials.MAX_FACTORS + 1;
    private final int candidates;
    private final int outputs;
    private final int bits;
    private final int[][] pairs; // {i, j}, i < j, in the order of their blocks
    private final Ring128Tensor tally; // (C, pairs): +1 where candidate i is a pair's first, -1 its second
    private final Ring128Tensor offsets; // (C, outputs): -(C - 1 - i) for candidate i
    private Mask differences;
    private Sign beats;
    private SignMonomials winners; // null beyond MONOMIALS_UP_TO candidates
    private Mask shortfall;
    private Sign beatsAll;

    AllPairsArgmax(int candidates, int outputs, int bits) {
        this.candidates = candidates;
        this.outputs = outputs;
        this.bits = bits;
        this.pairs = pairs(candidates);
        long[] t = new long[candidates * pairs.length];
        for (int q = 0; q < pairs.length; q++) {
            t[pairs[q][0] * pairs.length + q] = 1;
            t[pairs[q][1] * pairs.length + q] = -1;
        }
        this.tally = Ring128Tensor.ofLongs(Shape.of(candidates, pairs.length), t);
        long[] o = new long[candidates * outputs];
        for (int i = 0; i < candidates; i++) {
            java.util.Arrays.fill(o, i * outputs, (i + 1) * outputs, -(candidates - 1 - i));
        }
        this.offsets = Ring128Tensor.ofLongs(Shape.of(candidates, outputs), o);
    }

    /** Every pair {@code {i, j}}, {@code i < j}, of {@code candidates}, in the order of their blocks. */
    static int[][] pairs(int candidates) {
        List<int[]> p = new ArrayList<>();
        for (int i = 0; i < candidates; i++) {
            for (int j = i + 1; j < candidates; j++) {
                p.add(new int[]{i, j});
            }
        }
        return p.toArray(new int[0][]);
    }

    /** {@code v_i - v_j} for each of the {@code pairs}, their blocks one after another. */
    static Ring128Tensor differences(int[][] pairs, List<Ring128Tensor> values) {
        List<Ring128Tensor> diffs = new ArrayList<>(pairs.length);
        for (int[] pair : pairs) {
            diffs.add(values.get(pair[0]).sub(values.get(pair[1])));
        }
        return Ring128Tensor.concat(diffs);
    }

    /**
     * The factors of each candidate's one-hot over the comparison of all {@code pairs}, laid out
     * (pairs, outputs): output {@code i * outputs + o} (candidate i of group o) multiplies, for
     * each other candidate j in order, the bit of pair (i, j) at group o, or its complement where
     * i is the pair's second (see {@link PlanEntry.SignMonomials}).
     */
    static int[][] winnerFactors(int[][] pairs, int candidates, int outputs) {
        int[][] f = new int[candidates - 1][candidates * outputs];
        for (int q = 0; q < pairs.length; q++) {
            int i = pairs[q][0];
            int j = pairs[q][1];
            for (int o = 0; o < outputs; o++) {
                f[j - 1][i * outputs + o] = q * outputs + o; // i's (j-1)-th opponent is j > i: i wins where c_ij = 1
                f[i][j * outputs + o] = ~(q * outputs + o); // j's i-th opponent is i < j: j wins where c_ij = 0
            }
        }
        return f;
    }

    /** The width of the second comparison: its values lie in {@code [-(C - 1), 0]}. */
    static int winBits(int candidates) {
        int k = 2;
        while ((1L << (k - 1)) < candidates - 1) {
            k++;
        }
        return k;
    }

    /** The comparison of all pairs, for the sign alone, and the products of its bits or the second comparison. */
    void declare(Plan.Builder plan) {
        differences = plan.maskWithin(Shape.of(pairs.length, outputs), bits - 1); // the comparison's exact range
        beats = plan.signOnly(differences, bits);
        if (candidates == 2) {
            return; // the one-hot is the bit and its complement
        }
        if (candidates <= MONOMIALS_UP_TO) {
            winners = plan.signMonomials(beats, winnerFactors(pairs, candidates, outputs));
            return;
        }
        int k = winBits(candidates);
        shortfall = plan.maskWithin(Shape.of(candidates, outputs), k - 1);
        beatsAll = plan.signOnly(shortfall, k);
    }

    /**
     * Shares of each group's one-hot argmax (0 or 1 in the ring), candidate-major: candidate j's
     * group o at {@code j * outputs + o}; {@code values}: each candidate's shares, one tensor of
     * {@code outputs} each.
     */
    Ring128Tensor oneHot(ComputeParty party, List<Ring128Tensor> values) {
        if (values.size() != candidates) {
            throw new IllegalArgumentException(values.size() + " candidates for an argmax of " + candidates);
        }
        Shape compared = Shape.of(pairs.length, outputs);
        Ring128Tensor firstWins = party.compare(beats, party.mask(differences(pairs, values).reshape(compared),
                differences)).nonNegative().reshape(compared);
        if (candidates == 2) {
            return Ring128Tensor.concat(List.of(firstWins, party.addPublic(firstWins.negate(), 1)))
                    .reshape(Shape.of(2 * outputs));
        }
        if (winners != null) {
            return party.signMonomials(winners);
        }
        // w_i - (C - 1) = sum_(j > i) c_ij - sum_(j < i) c_ji - (C - 1 - i): local
        Ring128Tensor lacking = party.addPublic(tally.matmul(firstWins, false, false), offsets);
        return party.compare(beatsAll, party.mask(lacking, shortfall)).nonNegative();
    }
}
