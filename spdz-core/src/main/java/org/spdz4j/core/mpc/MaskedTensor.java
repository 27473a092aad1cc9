package org.spdz4j.core.mpc;

import java.util.HashMap;
import java.util.Map;
import java.util.function.IntFunction;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/**
 * A shared tensor {@code X} after its one opening: this party's share {@code X_i}, its share of
 * the mask {@code A_i} and the public {@code E = X - A}. It serves every product {@code X} takes
 * part in, forward and backward, without opening again. Made by {@link ComputeParty#mask}.
 *
 * <pre>{@code
 * MaskedTensor x = party.mask(xShare, xMask);
 * Ring128Tensor y = party.multiply(product, x, w);   // no new opening of x
 * }</pre>
 */
public final class MaskedTensor {
    private final Ring128Tensor share;
    private final Ring128Tensor maskShare;
    private final Ring128Tensor opened;
    private final PlanEntry.Mask mask;
    private final Map<Integer, Ring128Tensor> powerShares = new HashMap<>();

    MaskedTensor(Ring128Tensor share, Ring128Tensor maskShare, Ring128Tensor opened, PlanEntry.Mask mask) {
        this.share = share;
        this.maskShare = maskShare;
        this.opened = opened;
        this.mask = mask;
    }

    /** This party's share of X. */
    public Ring128Tensor share() {
        return share;
    }

    /** This party's share of the mask A. */
    public Ring128Tensor maskShare() {
        return maskShare;
    }

    /** The public E = X - A. */
    public Ring128Tensor opened() {
        return opened;
    }

    /** The plan's mask this tensor was opened with. */
    public PlanEntry.Mask mask() {
        return mask;
    }

    /** This party's share of a power of the mask (plan entry {@code entry}), fetched once and kept. */
    Ring128Tensor maskPower(int entry, IntFunction<Ring128Tensor> fetch) {
        return powerShares.computeIfAbsent(entry, fetch::apply);
    }

    /** X's shape. */
    public Shape shape() {
        return share.shape();
    }

    @Override
    public String toString() {
        return "MaskedTensor" + shape() + "[mask entry " + mask.id() + "]";
    }
}
