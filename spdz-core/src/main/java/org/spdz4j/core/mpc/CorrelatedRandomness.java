package org.spdz4j.core.mpc;

import org.spdz4j.core.ring.Ring128Tensor;

/**
 * One party's shares of the dealer's correlated randomness for one step, addressed by plan
 * entry: a mask share {@code A_i}, a power share {@code [A^k]_i} or a product share
 * {@code [op(A, B)]_i}. Implemented by the {@code triples} module.
 *
 * <pre>{@code
 * party.beginStep(step, partyRandomness.forStep(step));
 * }</pre>
 */
public interface CorrelatedRandomness {

    /**
     * This party's share of the plan's entry {@code entry}; refuses a handle that is not the
     * plan's entry at its position (a handle from another plan).
     */
    Ring128Tensor share(PlanEntry entry);
}
