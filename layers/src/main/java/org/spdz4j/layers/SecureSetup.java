package org.spdz4j.layers;

import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;

/**
 * What a party needs to instantiate secure layers.
 *
 * @param role the party
 * @param mode baseline or optimized
 * @param fp   the fixed-point format
 * @param init the public initial parameters
 * @param rangeCheck the divergence check the layers feed, or null (off; see {@link #withRangeCheck})
 */
public record SecureSetup(Role role, Mode mode, FixedPoint fp, Initializer init, RangeCheck rangeCheck) {

    /** Without the range check. */
    public SecureSetup(Role role, Mode mode, FixedPoint fp, Initializer init) {
        this(role, mode, fp, init, null);
    }

    /** The same setup with a fresh {@link RangeCheck}: one bit per step to P0. */
    public SecureSetup withRangeCheck() {
        return new SecureSetup(role, mode, fp, init, new RangeCheck());
    }

    /** A parameter starting at the public {@code values}: P0's share is the value, P1's zero. */
    Param param(String name, Shape shape, double[] values) {
        return new Param(name, ComputeParty.shareOfPublic(role, fp.encode(shape, values)));
    }

    boolean optimized() {
        return mode == Mode.OPTIMIZED;
    }
}
