package org.spdz4j.layers;

import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.triples.Plan;

/**
 * A training loss on (N, C) logits and (N, C) targets. The secure side computes only the
 * gradient of the mean loss, on shares: neither logits nor loss are revealed.
 */
public interface Loss {

    String describe();

    Secure secure(Shape logits, SecureSetup setup);

    Twin twin(Shape logits);

    /** One party's secure loss. */
    interface Secure {
        void declare(Plan.Builder plan);

        /** Share of d(mean loss)/d(logits). */
        Ring128Tensor gradient(ComputeParty party, Ring128Tensor logits, Ring128Tensor targets);

        /** A loss value this party was deliberately shown for the last batch, or NaN (the default). */
        default double revealedLoss() {
            return Double.NaN;
        }
    }

    /** The plaintext loss with the same approximations. */
    interface Twin {
        /** The loss values' mean over the batch. */
        double loss(FloatTensor logits, FloatTensor targets);

        FloatTensor gradient(FloatTensor logits, FloatTensor targets);
    }
}
