package org.spdz4j.core.mpc;

import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/**
 * A shared tensor {@code X} after its one opening: this party's share {@code X_i}, its share of
 * the mask {@code A_i} and the public {@code E = X - A}. It serves every product {@code X} takes
 * part in, forward and backward, without opening again. Made by {@link ComputeParty#mask}.
 */
public final class MaskedTensor {
    private final Ring128Tensor share;
    private final Ring128Tensor maskShare;
    private final Ring128Tensor opened;
    private final int maskEntry;

    MaskedTensor(Ring128Tensor share, Ring128Tensor maskShare, Ring128Tensor opened, int maskEntry) {
        this.share = share;
        this.maskShare = maskShare;
        this.opened = opened;
        this.maskEntry = maskEntry;
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

    /** The plan entry of the mask. */
    public int maskEntry() {
        return maskEntry;
    }

    public Shape shape() {
        return share.shape();
    }

    @Override
    public String toString() {
        return "MaskedTensor" + shape() + "[mask entry " + maskEntry + "]";
    }
}
