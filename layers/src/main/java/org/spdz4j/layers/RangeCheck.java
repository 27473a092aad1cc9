package org.spdz4j.layers;

import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
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
 * <p>How: each checked tensor {@code x} is compared twice more from its one opening (the same
 * mask; a public shift of the opening is free), {@code [x - T >= 0]} (above) and
 * {@code [x + T >= 0]} (not below), at {@link #width} bits: wide enough to see any value below
 * {@code 2^(width-1)} in magnitude, i.e. 2^16 times the limit. A value already beyond that
 * (wrapped) can escape the check; an explosion passes through that band first. The count of
 * elements outside, {@code sum(above + 1 - notBelow)}, is masked and compared with 1, and the
 * bit opened to P0 only. Cost: two comparisons per checked element and a few more rounds per
 * layer; off by default.
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
    private static final int COUNT_BITS = 40;

    private Ring128Tensor outside; // this step's share of the number of elements outside their limit
    private Mask countMask;
    private Sign countSign;
    private boolean exceeded;

    RangeCheck() {
    }

    /** The two comparisons checking one tensor against {@code [-limit, limit)}. */
    record Bound(Sign above, Sign notBelow, long limit) {
    }

    /** Width of the comparisons checking {@code limit}: 16 bits beyond it, at least 56, at most 127. */
    static int width(long limit) {
        return Math.min(127, Math.max(56, 64 - Long.numberOfLeadingZeros(limit) + 1 + MARGIN_BITS));
    }

    /** Declares the check of every tensor masked with {@code mask} against {@code [-limit, limit)}. */
    Bound declare(Plan.Builder plan, Mask mask, long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("range check limit must be positive, got " + limit);
        }
        return new Bound(plan.sign(mask, width(limit)), plan.sign(mask, width(limit)), limit);
    }

    /** Declares the step's verdict: after every layer's {@link #declare}. */
    void declareVerdict(Plan.Builder plan) {
        countMask = plan.mask(Shape.of(1));
        countSign = plan.sign(countMask, COUNT_BITS);
    }

    /** Adds the elements of {@code x} outside {@code b}'s limit to this step's count. */
    void check(ComputeParty party, Bound b, MaskedTensor x) {
        Ring128Tensor above = party.compare(b.above(), party.addPublic(x, -b.limit())).nonNegative();
        Ring128Tensor notBelow = party.compare(b.notBelow(), party.addPublic(x, b.limit())).nonNegative();
        Ring128Tensor count = party.addPublic(above.sub(notBelow).reshape(Shape.of(1, x.shape().size())).rowSums(), x.shape().size());
        outside = outside == null ? count : outside.add(count);
    }

    /** Ends the step: P0 learns whether any checked element was outside ({@link #exceeded}). */
    void finishStep(ComputeParty party) {
        Ring128Tensor count = outside == null ? Ring128Tensor.zeros(Shape.of(1)) : outside;
        outside = null;
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
