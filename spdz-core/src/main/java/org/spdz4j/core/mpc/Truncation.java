package org.spdz4j.core.mpc;

import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.transport.Role;

/**
 * Local (SecureML-style) truncation of a shared value by {@code bits}: P0 shifts its share
 * arithmetically, P1 computes {@code -((-x1) >> bits)}. The result is within one unit of
 * {@code x >> bits}, except with probability at most 2^(l+1-128) for a true value of bit length
 * l (see {@link org.spdz4j.core.fixed.FixedPoint#truncationFailureBound}). No communication.
 */
public final class Truncation {
    private Truncation() {
    }

    /** This party's share of {@code x >> bits} (within one unit) from its share of x. */
    public static Ring128Tensor truncate(Role role, Ring128Tensor share, int bits) {
        return role.partyIndex() == 0 ? share.shiftRight(bits) : share.negate().shiftRight(bits).negate();
    }
}
