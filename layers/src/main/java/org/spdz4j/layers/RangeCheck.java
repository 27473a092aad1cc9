package org.spdz4j.layers;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.MicroBatch;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry.Sign;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.triples.Plan;

/**
 * The optional divergence check of a secure model: every tensor an exact layer compares must lie
 * in its comparison's range {@code [-2^(bits-1), 2^(bits-1))} and every input of a polynomial
 * activation in the polynomial's interval {@code [-a, a]} (raw ring values, fixed point
 * included); once per step P0 learns one bit, whether some element of the step lay outside.
 * Nothing else is revealed, to anyone.
 *
 * <p>How: the layers hand over each checked tensor {@code x} opened as they opened it; at the
 * end of the step (of the whole batch, after its micro-batches) all of them, of all layers, are
 * stacked twice (a derived mask: nothing more is opened), the first copy shifted by {@code -T}
 * and the second by {@code +T} (a public shift of an opening is free), and one comparison gives
 * {@code [x - T >= 0]} (above)
 * and {@code [x + T >= 0]} (not below) for every element at once, at {@link #width} bits: wide
 * enough to see any value below {@code 2^(width-1)} in magnitude, i.e. 2^16 times the limit. So
 * that memory does not grow with the batch, the stacked elements are compared in slices of
 * {@link #ELEMENTS_PER_COMPARISON}, one comparison's rounds each (tensors whose limits need
 * another width are sliced apart). A value already beyond the width (wrapped) can escape the
 * check; an explosion passes through that band first. The count of elements outside,
 * {@code sum(above + 1 - notBelow)}, is masked and compared with 1, and the bit opened to P0
 * only. Off by default.
 *
 * <pre>{@code
 * SecureSetup setup = new SecureSetup(role, Mode.OPTIMIZED, fp, init).withRangeCheck();
 * SecureModel model = SecureModel.create(network, input, setup, sgd);
 * model.trainStep(party, x, y);
 * boolean outside = model.rangeExceeded();   // at P0; false at P1
 * }</pre>
 */
public final class RangeCheck {
    /** Bits the check's comparisons have beyond the limit's. */
    static final int MARGIN_BITS = 16;
    /** Elements of one comparison of the check (each checked element counts twice): bounds its memory. */
    static final int ELEMENTS_PER_COMPARISON = 1 << 20;
    private static final int COUNT_BITS = 40;

    private final int elementsPerComparison;

    private final List<Bound> bounds = new ArrayList<>(); // in declaration order
    private final List<Slice> slices = new ArrayList<>(); // the step's comparisons, in order
    private final Map<Bound, MaskedTensor> checked = new HashMap<>(); // this step's tensors, by bound
    private Mask countMask;
    private Sign countSign;
    private boolean exceeded;

    RangeCheck() {
        this(ELEMENTS_PER_COMPARISON);
    }

    /** A check comparing at most {@code elementsPerComparison} (even, at least 2) stacked elements at once. */
    RangeCheck(int elementsPerComparison) {
        if (elementsPerComparison < 2 || elementsPerComparison % 2 != 0) {
            throw new IllegalArgumentException("a range check slice needs an even number of elements, at least 2, not "
                    + elementsPerComparison);
        }
        this.elementsPerComparison = elementsPerComparison;
    }

    /** The check of the tensors masked with {@code mask} against {@code [-limit, limit)}. */
    static final class Bound {
        private final Mask mask;
        private final long limit;

        private Bound(Mask mask, long limit) {
            this.mask = mask;
            this.limit = limit;
        }
    }

    /** Elements {@code from .. to-1} of a bound's tensor. */
    private record Segment(Bound bound, int from, int to) {
    }

    /**
     * One comparison of the check: the segments' elements stacked twice (a derived mask), the
     * first copy shifted by {@code -T}, the second by {@code +T}.
     */
    private record Slice(List<Segment> segments, Mask stacked, Sign sign) {
    }

    /** Width of the comparisons checking {@code limit}: 16 bits beyond it, at least 56, at most 127. */
    static int width(long limit) {
        return Math.min(127, Math.max(56, 64 - Long.numberOfLeadingZeros(limit) + 1 + MARGIN_BITS));
    }

    /**
     * Declares the check of the tensor masked with {@code mask} against {@code [-limit, limit)};
     * its comparison is declared with the verdict ({@link #declareVerdict}).
     */
    Bound declare(Plan.Builder plan, Mask mask, long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("range check limit must be positive, got " + limit);
        }
        if (countMask != null) {
            throw new IllegalStateException("range check declared after its verdict");
        }
        Bound b = new Bound(mask, limit);
        bounds.add(b);
        return b;
    }

    /**
     * Declares the step's comparisons and verdict: after every layer's forward {@link #declare}.
     * The checked elements of one width, in declaration order, are cut into slices of
     * {@link #ELEMENTS_PER_COMPARISON} / 2; each slice is stacked twice (a derived mask of the
     * masks it covers) and compared once.
     */
    void declareVerdict(Plan.Builder plan) {
        Map<Integer, List<Bound>> byWidth = new TreeMap<>();
        for (Bound b : bounds) {
            byWidth.computeIfAbsent(width(b.limit), w -> new ArrayList<>()).add(b);
        }
        int half = elementsPerComparison / 2;
        for (Map.Entry<Integer, List<Bound>> e : byWidth.entrySet()) {
            List<Segment> segments = new ArrayList<>();
            int room = half;
            for (Bound b : e.getValue()) {
                int size = b.mask.shape().size();
                for (int from = 0; from < size; ) {
                    int to = Math.min(size, from + room);
                    segments.add(new Segment(b, from, to));
                    room -= to - from;
                    from = to;
                    if (room == 0) {
                        slices.add(slice(plan, segments, e.getKey()));
                        segments = new ArrayList<>();
                        room = half;
                    }
                }
            }
            if (!segments.isEmpty()) {
                slices.add(slice(plan, segments, e.getKey()));
            }
        }
        countMask = plan.mask(Shape.of(1));
        countSign = plan.signOnly(countMask, COUNT_BITS);
    }

    /**
     * The derived mask of {@code segments} stacked twice (a slice holds at most one segment of
     * each bound, so its parents are the segments' masks in order), and its comparison at
     * {@code width} bits.
     */
    private static Slice slice(Plan.Builder plan, List<Segment> segments, int width) {
        List<Mask> parents = new ArrayList<>();
        int n = 0;
        for (Segment g : segments) {
            parents.add(g.bound().mask);
            n += g.to() - g.from();
        }
        int[] twice = new int[2 * n];
        int at = 0;
        int offset = 0; // of the segment's mask in the parents' concatenation
        for (Segment g : segments) {
            for (int i = g.from(); i < g.to(); i++, at++) {
                twice[at] = offset + i;
                twice[n + at] = offset + i;
            }
            offset += g.bound().mask.shape().size();
        }
        Mask stacked = plan.derive(Shape.of(2 * n), parents, twice, null);
        return new Slice(segments, stacked, plan.signOnly(stacked, width));
    }

    /** Keeps {@code x}, opened with {@code b}'s mask, for this step's check (once a step per bound). */
    void check(Bound b, MaskedTensor x) {
        if (!x.mask().equals(b.mask)) {
            throw new IllegalArgumentException("range check of a tensor masked with entry " + x.mask().id()
                    + " against the bound of entry " + b.mask.id());
        }
        if (checked.putIfAbsent(b, x) != null) {
            throw new IllegalStateException("range check of mask entry " + b.mask.id() + " twice in one step");
        }
    }

    /**
     * Takes the tensors the micro-batches of {@code split} checked, each its rows, with checks of
     * their own ({@code parts.get(k)} micro-batch k's, declared alike but without a verdict), as
     * this step's tensors of the whole batch (see {@link MicroBatch#join}): the one verdict then
     * covers them all.
     */
    void join(List<RangeCheck> parts, List<MicroBatch> split) {
        for (int i = 0; i < bounds.size(); i++) {
            List<MaskedTensor> rows = new ArrayList<>();
            for (int k = 0; k < parts.size(); k++) {
                RangeCheck part = parts.get(k);
                MaskedTensor x = part.bounds.size() == bounds.size() ? part.checked.remove(part.bounds.get(i)) : null;
                if (x == null) {
                    throw new IllegalStateException("micro-batch " + k + " did not check its rows against the bound of mask "
                            + "entry " + bounds.get(i).mask.id() + " this step");
                }
                rows.add(x);
            }
            check(bounds.get(i), MicroBatch.join(split, rows));
        }
    }

    /** Ends the step: P0 learns whether any checked element was outside ({@link #exceeded}). */
    void finishStep(ComputeParty party) {
        Ring128Tensor count = Ring128Tensor.zeros(Shape.of(1));
        for (Slice slice : slices) {
            List<MaskedTensor> parents = new ArrayList<>();
            List<Ring128Tensor> shifts = new ArrayList<>(); // -T for each element: the first copy asks "above"
            List<Ring128Tensor> plusT = new ArrayList<>(); // +T: the second copy asks "not below"
            for (Segment g : slice.segments()) {
                MaskedTensor x = checked.get(g.bound());
                if (x == null) {
                    throw new IllegalStateException("no tensor was checked against the bound of mask entry "
                            + g.bound().mask.id() + " this step");
                }
                parents.add(x);
                Shape length = Shape.of(g.to() - g.from());
                shifts.add(Ring128Tensor.filled(length, -g.bound().limit));
                plusT.add(Ring128Tensor.filled(length, g.bound().limit));
            }
            shifts.addAll(plusT);
            MaskedTensor shifted = party.addPublic(party.derive(slice.stacked(), parents), Ring128Tensor.concat(shifts));
            int n = slice.stacked().shape().size() / 2;
            Ring128Tensor bits = party.compare(slice.sign(), shifted).nonNegative();
            Ring128Tensor over = bits.slice(0, Shape.of(n));
            Ring128Tensor notUnder = bits.slice(n, Shape.of(n));
            count = count.add(party.addPublic(over.sub(notUnder).reshape(Shape.of(1, n)).rowSums(), n));
        }
        checked.clear();
        MaskedTensor c = party.mask(count, countMask);
        Ring128Tensor some = party.compare(countSign, party.addPublic(c, -1)).nonNegative();
        Ring128Tensor bit = party.revealTo(Role.P0, some);
        exceeded = bit != null && bit.lo(0) != 0;
    }

    /** At P0, after a step: whether an element of that step lay outside its limit. Always false at P1. */
    boolean exceeded() {
        return exceeded;
    }
}
