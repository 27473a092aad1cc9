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

    /** Canonical description, part of the network's description. */
    String describe();

    /** This loss on shares for logits of shape {@code logits}: the gradient of the mean over its rows. */
    default Secure secure(Shape logits, SecureSetup setup) {
        return secure(logits, logits.dim(0), setup);
    }

    /**
     * This loss on shares for logits of shape {@code logits} that are a micro-batch's rows of a
     * batch of {@code batch} rows: the gradient of the mean over the whole batch, so that the
     * micro-batches' gradients add up to the batch's.
     */
    Secure secure(Shape logits, int batch, SecureSetup setup);

    /** This loss's float twin. */
    Twin twin(Shape logits);

    /** One party's secure loss. */
    interface Secure {
        /** Declares the loss's masks and products in the plan. */
        void declare(Plan.Builder plan);

        /** Share of d(mean loss)/d(logits). */
        Ring128Tensor gradient(ComputeParty party, Ring128Tensor logits, Ring128Tensor targets);

        /**
         * Shares of the probabilities the loss puts on each class (a softmax loss's softmax, with the
         * same approximations), in the computation's fixed point; uses the entries of {@link #declare}.
         */
        default Ring128Tensor probabilities(ComputeParty party, Ring128Tensor logits) {
            throw new UnsupportedOperationException("this loss gives no class probabilities");
        }

        /** A loss value this party was deliberately shown for the last batch, or NaN (the default). */
        default double revealedLoss() {
            return Double.NaN;
        }
    }

    /** The plaintext loss with the same approximations. */
    interface Twin {
        /** The loss values' mean over the batch. */
        double loss(FloatTensor logits, FloatTensor targets);

        /** The gradient of the loss with respect to the logits. */
        FloatTensor gradient(FloatTensor logits, FloatTensor targets);
    }
}
