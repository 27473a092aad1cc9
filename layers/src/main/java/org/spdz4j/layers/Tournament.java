package org.spdz4j.layers;

import java.util.ArrayList;
import java.util.List;
import org.spdz4j.core.mpc.ComputeParty;
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
 * (a gradient, or 1 for a one-hot argmax), one opening per level, the bits never opened (the
 * dealer's {@code M * beta}).
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
    private final List<Mask> valueMasks = new ArrayList<>(); // routing, top level first
    private final List<SignProduct> routes = new ArrayList<>();
    private RangeCheck rangeCheck; // null unless the differences are checked
    private final List<RangeCheck.Bound> bounds = new ArrayList<>();

    Tournament(int candidates, int outputs, int bits) {
        this.candidates = candidates;
        this.outputs = outputs;
        this.bits = bits;
        for (int count = candidates; count > 1; count = (count + 1) / 2) {
            levels.add(new int[]{count, count / 2});
        }
    }

    /** The comparisons of {@link #max}, each level's differences checked by {@code check} unless it is null. */
    void declareMax(Plan.Builder plan, RangeCheck check) {
        rangeCheck = check;
        for (int[] level : levels) {
            Mask d = plan.mask(Shape.of(level[1] * outputs));
            diffMasks.add(d);
            signs.add(plan.sign(d, bits));
            if (check != null) {
                bounds.add(check.declare(plan, d, Relu.comparisonLimit(bits)));
            }
        }
    }

    /** The products of {@link #route}. */
    void declareRoute(Plan.Builder plan) {
        for (int l = levels.size() - 1; l >= 0; l--) {
            Shape s = Shape.of(levels.get(l)[1] * outputs);
            Mask v = plan.mask(s);
            valueMasks.add(v);
            routes.add(plan.signProduct(signs.get(l), v)); // times the level's bit, unopened
        }
    }

    /** Shares of the maximum of each group, given each candidate's shares (one tensor of {@code outputs} each). */
    Ring128Tensor max(ComputeParty party, List<Ring128Tensor> values) {
        if (values.size() != candidates) {
            throw new IllegalArgumentException(values.size() + " candidates for a tournament of " + candidates);
        }
        for (int l = 0; l < levels.size(); l++) {
            int pairs = levels.get(l)[1];
            List<Ring128Tensor> diffs = new ArrayList<>();
            for (int p = 0; p < pairs; p++) {
                diffs.add(values.get(2 * p).sub(values.get(2 * p + 1)));
            }
            MaskedTensor d = party.mask(Ring128Tensor.concat(diffs), diffMasks.get(l));
            if (rangeCheck != null) {
                rangeCheck.check(party, bounds.get(l), d);
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
        return values.get(0);
    }

    /** Shares of {@code value} at the winning candidate of each group and 0 elsewhere, per candidate. */
    List<Ring128Tensor> route(ComputeParty party, Ring128Tensor value) {
        List<Ring128Tensor> at = List.of(value.reshape(Shape.of(outputs)));
        for (int l = levels.size() - 1, i = 0; l >= 0; l--, i++) {
            int pairs = levels.get(l)[1];
            List<Ring128Tensor> winners = at.subList(0, pairs);
            Ring128Tensor toA = party.multiplyBySign(routes.get(i),
                    party.mask(Ring128Tensor.concat(winners), valueMasks.get(i)));
            List<Ring128Tensor> below = new ArrayList<>();
            for (int p = 0; p < pairs; p++) {
                Ring128Tensor a = toA.slice(p * outputs, Shape.of(outputs));
                below.add(a);
                below.add(winners.get(p).sub(a));
            }
            if (levels.get(l)[0] % 2 == 1) {
                below.add(at.get(pairs));
            }
            at = below;
        }
        return at;
    }

    /** {@code x}'s elements at {@code index}, as a 1-D tensor (a local rearrangement of shares). */
    static Ring128Tensor gather(Ring128Tensor x, int[] index) {
        long[] hi = new long[index.length];
        long[] lo = new long[index.length];
        for (int i = 0; i < index.length; i++) {
            hi[i] = x.hi(index[i]);
            lo[i] = x.lo(index[i]);
        }
        return Ring128Tensor.wrap(Shape.of(index.length), hi, lo);
    }

    /** The candidates of each group gathered from {@code x}: candidate j of group o at {@code index[j][o]}. */
    static List<Ring128Tensor> gatherAll(Ring128Tensor x, int[][] index) {
        List<Ring128Tensor> out = new ArrayList<>(index.length);
        for (int[] candidate : index) {
            out.add(gather(x, candidate));
        }
        return out;
    }

    /** The inverse of {@link #gatherAll}: {@code parts.get(j)} scattered to {@code index[j]} in a tensor of {@code shape}. */
    static Ring128Tensor scatterAll(List<Ring128Tensor> parts, int[][] index, Shape shape) {
        long[] hi = new long[shape.size()];
        long[] lo = new long[shape.size()];
        for (int j = 0; j < index.length; j++) {
            Ring128Tensor part = parts.get(j);
            for (int o = 0; o < index[j].length; o++) {
                hi[index[j][o]] = part.hi(o);
                lo[index[j][o]] = part.lo(o);
            }
        }
        return Ring128Tensor.wrap(shape, hi, lo);
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
