package org.spdz4j.layers;

import java.util.ArrayList;
import java.util.List;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.Derivation;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry.Sign;
import org.spdz4j.core.mpc.PlanEntry.SignProduct;
import org.spdz4j.core.mpc.SecureComparison;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.triples.Plan;

/**
 * A knock-out of {@code candidates} shared values, for {@code outputs} independent groups at
 * once (windows of a max pool, rows of logits): candidates meet in pairs in order, level by
 * level, the lower one winning ties, an odd one out passing up; {@code max(a, b) = b + relu(a -
 * b)}, one secure comparison per level for all pairs. {@link #route} walks the tournament down
 * with the comparison bits: a value given to each winner reaches the candidate it came from
 * (a gradient, or 1 for a one-hot argmax), the bits never opened (the dealer's
 * {@code M * beta}). Each level opens only the part routed to the first of each pair: the
 * second's is the winner's minus it, and so is its opening (a derived mask); the routed values
 * can leave opened that way, for a layer below that would open them anyway.
 *
 * <p>A level's tensors are laid out (pairs, outputs): pair p's block of all groups, each block
 * batch-major like the groups, so a micro-batch's part of each is its rows of every block (see
 * {@link org.spdz4j.core.mpc.MicroBatch}).
 *
 * <p>Each tournament is one party's: declare it in the plan, then run {@link #max} and
 * {@link #route} once per step.
 */
final class Tournament {
    private final int candidates;
    private final int outputs;
    private final int bits;
    private final List<int[]> levels = new ArrayList<>(); // {candidates, pairs}
    private final List<Mask> diffMasks = new ArrayList<>();
    private final List<Sign> signs = new ArrayList<>();
    private Mask valueMask; // routing: what the winners are given, opened
    private final List<Mask> winnerMasks = new ArrayList<>(); // top level first
    private final List<SignProduct> routes = new ArrayList<>();
    private final List<Mask> firstMasks = new ArrayList<>(); // the parts routed to each pair's first, opened
    private final List<Mask> belowMasks = new ArrayList<>(); // the values one level down (derived)
    private RangeCheck rangeCheck; // null unless the differences are checked
    private final List<RangeCheck.Bound> bounds = new ArrayList<>();

    Tournament(int candidates, int outputs, int bits) {
        this(candidates, outputs, bits, 1);
    }

    /**
     * The levels that take {@code candidates} down to {@code remaining}: 1 for the maximum, 2
     * for the last pair, left to a caller that meets them itself ({@link #knockOut}; no routing).
     */
    Tournament(int candidates, int outputs, int bits, int remaining) {
        this.candidates = candidates;
        this.outputs = outputs;
        this.bits = bits;
        for (int count = candidates; count > remaining; count = (count + 1) / 2) {
            levels.add(new int[]{count, count / 2});
        }
    }

    /** The comparisons of {@link #max}, each level's differences checked by {@code check} unless it is null. */
    void declareMax(Plan.Builder plan, RangeCheck check) {
        rangeCheck = check;
        for (int[] level : levels) {
            Mask d = plan.maskWithin(Shape.of(level[1], outputs), bits - 1); // the comparison's exact range
            diffMasks.add(d);
            signs.add(plan.sign(d, bits));
            if (check != null) {
                bounds.add(check.declare(plan, d, Relu.comparisonLimit(bits)));
            }
        }
    }

    /**
     * The products of {@link #route} and the masks of what it opens: the value given to the
     * winners (fresh, unless {@code openedValue}, the mask it arrives opened with), then at each
     * level the part routed to the first of each pair (fresh); the part routed to the second is
     * the winner's minus the first's, so its opening is derived, not sent. With
     * {@code openResult} the last level is opened too and {@link #route} returns the routed
     * values opened with the returned (derived) mask; else it returns them as plain shares and
     * this returns null.
     */
    Mask declareRoute(Plan.Builder plan, Mask openedValue, boolean openResult) {
        Shape one = Shape.of(1, outputs); // the top level's single pair: its winners' mask is this one
        Mask at = openedValue != null && openedValue.shape().equals(one) ? openedValue : plan.mask(one);
        valueMask = at;
        for (int l = levels.size() - 1; l >= 0; l--) {
            int count = levels.get(l)[0];
            int pairs = levels.get(l)[1];
            Mask winners = at.shape().equals(Shape.of(pairs, outputs)) ? at
                    : plan.derive(Shape.of(pairs, outputs), List.of(at), range(pairs * outputs), null);
            winnerMasks.add(winners);
            routes.add(plan.signProduct(signs.get(l), winners)); // times the level's bit, unopened
            if (l == 0 && !openResult) {
                return null;
            }
            Mask first = plan.mask(Shape.of(pairs, outputs));
            firstMasks.add(first);
            at = plan.derive(Shape.of(count, outputs), List.of(at, first), below(count, pairs, at.shape().size(), true),
                    below(count, pairs, at.shape().size(), false));
            belowMasks.add(at);
        }
        return at;
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    /**
     * The map from (the level's values, the part routed to each pair's first) to the values
     * one level down, pair by pair (first, second), then the one that passed up alone: the plus
     * indices, or the minus ones.
     */
    private int[] below(int count, int pairs, int atSize, boolean plus) {
        int[] map = new int[count * outputs];
        for (int p = 0; p < pairs; p++) {
            for (int o = 0; o < outputs; o++) {
                int first = (2 * p) * outputs + o;
                int second = first + outputs;
                int routedFirst = atSize + p * outputs + o;
                int winner = p * outputs + o;
                map[first] = plus ? routedFirst : -1;
                map[second] = plus ? winner : routedFirst;
            }
        }
        for (int o = 2 * pairs * outputs; o < count * outputs; o++) { // the odd one, passed through
            map[o] = plus ? pairs * outputs + o - 2 * pairs * outputs : -1;
        }
        return map;
    }

    /** Shares of the maximum of each group, given each candidate's shares (one tensor of {@code outputs} each). */
    Ring128Tensor max(ComputeParty party, List<Ring128Tensor> values) {
        List<Ring128Tensor> left = knockOut(party, values);
        if (left.size() != 1) {
            throw new IllegalStateException("this tournament stops at " + left.size() + " candidates, not at the maximum");
        }
        return left.get(0);
    }

    /** The candidates of each group that the declared levels leave, in order, given each candidate's shares. */
    List<Ring128Tensor> knockOut(ComputeParty party, List<Ring128Tensor> values) {
        if (values.size() != candidates) {
            throw new IllegalArgumentException(values.size() + " candidates for a tournament of " + candidates);
        }
        for (int l = 0; l < levels.size(); l++) {
            int pairs = levels.get(l)[1];
            List<Ring128Tensor> diffs = new ArrayList<>();
            for (int p = 0; p < pairs; p++) {
                diffs.add(values.get(2 * p).sub(values.get(2 * p + 1)));
            }
            MaskedTensor d = party.mask(Ring128Tensor.concat(diffs).reshape(Shape.of(pairs, outputs)), diffMasks.get(l));
            if (rangeCheck != null) {
                rangeCheck.check(bounds.get(l), d);
            }
            SecureComparison.Result r = party.compare(signs.get(l), d);
            List<Ring128Tensor> next = new ArrayList<>();
            for (int p = 0; p < pairs; p++) {
                next.add(values.get(2 * p + 1).add(r.relu().slice(p * outputs, Shape.of(outputs))));
            }
            if (values.size() % 2 == 1) {
                next.add(values.get(values.size() - 1));
            }
            values = next;
        }
        return values;
    }

    /**
     * {@code value} at the winning candidate of each group and 0 elsewhere, all candidates
     * concatenated (candidate j's group o at {@code j * outputs + o}): opened with the mask
     * {@link #declareRoute} returned, or as plain shares (then {@link MaskedTensor#share()} is
     * all there is: the result is not opened).
     */
    Routed route(ComputeParty party, Ring128Tensor value) {
        MaskedTensor at = party.mask(value.reshape(valueMask.shape()), valueMask);
        for (int i = 0; i < routes.size(); i++) {
            Mask w = winnerMasks.get(i);
            MaskedTensor winners = w.equals(at.mask()) ? at : party.derive(w, List.of(at));
            Ring128Tensor toFirst = party.multiplyBySign(routes.get(i), winners);
            if (i == firstMasks.size()) { // the last level, left unopened
                return new Routed(null, plainBelow(at.share(), toFirst));
            }
            at = party.derive(belowMasks.get(i), List.of(at, party.mask(toFirst, firstMasks.get(i))));
        }
        return new Routed(at, at.share());
    }

    /** The routed values: opened (when declared so) or not, and this party's share of them. */
    record Routed(MaskedTensor opened, Ring128Tensor share) {
    }

    /** One level down in plain shares: each pair's first gets {@code toFirst}, its second the rest (the derived map, unplanned). */
    private Ring128Tensor plainBelow(Ring128Tensor at, Ring128Tensor toFirst) {
        int count = levels.get(0)[0];
        int pairs = levels.get(0)[1];
        return Derivation.map(Shape.of(count * outputs), below(count, pairs, at.size(), true),
                below(count, pairs, at.size(), false), List.of(at, toFirst));
    }

    /** {@code x}'s elements at {@code index}, as a 1-D tensor (a local rearrangement of shares). */
    static Ring128Tensor gather(Ring128Tensor x, int[] index) {
        return x.map(Shape.of(index.length), index, null);
    }

    /** The candidates of each group gathered from {@code x}: candidate j of group o at {@code index[j][o]}. */
    static List<Ring128Tensor> gatherAll(Ring128Tensor x, int[][] index) {
        List<Ring128Tensor> out = new ArrayList<>(index.length);
        for (int[] candidate : index) {
            out.add(gather(x, candidate));
        }
        return out;
    }

    /**
     * The inverse of {@link #gatherAll}: candidate j's values ({@code concatenated}'s elements
     * {@code j * outputs ..}) scattered to {@code index[j]} in a tensor of {@code shape}, zero elsewhere.
     */
    static Ring128Tensor scatterAll(Ring128Tensor concatenated, int[][] index, Shape shape) {
        return Derivation.map(shape, scatterMap(index, shape), null, List.of(concatenated));
    }

    /** {@link #scatterAll} as a derivation's plus indices: where each element of {@code shape} comes from (-1: zero). */
    static int[] scatterMap(int[][] index, Shape shape) {
        int[] map = new int[shape.size()];
        java.util.Arrays.fill(map, -1);
        for (int j = 0; j < index.length; j++) {
            for (int o = 0; o < index[j].length; o++) {
                map[index[j][o]] = j * index[j].length + o;
            }
        }
        return map;
    }

    /** The float twin: the index of the winner among {@code values}, by the same rules. */
    static int winner(double[] values) {
        int[] c = new int[values.length]; // the candidates still in, in order; each level overwrites its front
        for (int i = 0; i < c.length; i++) {
            c[i] = i;
        }
        for (int count = c.length; count > 1; ) {
            int next = 0;
            for (int p = 0; p + 1 < count; p += 2) {
                c[next++] = values[c[p]] - values[c[p + 1]] >= 0 ? c[p] : c[p + 1];
            }
            if (count % 2 == 1) {
                c[next++] = c[count - 1];
            }
            count = next;
        }
        return c[0];
    }
}
