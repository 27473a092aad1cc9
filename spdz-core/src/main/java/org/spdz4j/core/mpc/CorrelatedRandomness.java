package org.spdz4j.core.mpc;

import org.spdz4j.core.ring.Ring128Tensor;

/**
 * One party's shares of the dealer's correlated randomness for one step, addressed by plan
 * entry: a mask share {@code A_i}, a power share {@code [A^k]_i} or a product share
 * {@code [op(A, B)]_i}. Implemented by the {@code triples} module.
 */
public interface CorrelatedRandomness {

    /** This party's share of plan entry {@code entry}. */
    Ring128Tensor share(int entry);
}
