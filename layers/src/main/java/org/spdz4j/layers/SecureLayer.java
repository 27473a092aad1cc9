package org.spdz4j.layers;

import java.util.List;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.triples.Plan;

/**
 * A layer as one compute party runs it on shares. It declares its masks and products in the
 * plan (forward in network order, backward in reverse), then each step runs forward, backward
 * (reusing the forward pass's masked tensors) and the update.
 *
 * <p>In micro-batches ({@link SecureModel#create(Network, org.spdz4j.core.ring.Shape, SecureSetup, Sgd, int)})
 * a layer runs on a micro-batch's rows with the whole batch's plan entries, so it must be
 * row-local: each row of its output, and of its input gradient, depends on the same row of its
 * input alone, and its tensors keep the batch as their outermost axis (or, as a max pool's
 * tournament does, the outermost within blocks of a leading axis); only its parameter gradients
 * sum over the rows, by a product the plan declares or a local sum.
 */
public interface SecureLayer {

    /** Declares the forward pass's masks and products; local layers (reshapes, pooling) declare none. */
    default void declareForward(Plan.Builder plan) {
    }

    /**
     * Declares the backward pass's masks and products; local layers declare none.
     *
     * @param inputGradient whether the layer below needs the gradient of this layer's input
     */
    default void declareBackward(Plan.Builder plan, boolean inputGradient) {
    }

    /**
     * Whether this layer opens the gradient of its output as it receives it; it then also takes
     * a gradient that arrives opened already (see {@link #openedInputGradient()}), saving that
     * opening.
     */
    default boolean opensOutputGradient() {
        return false;
    }

    /**
     * Declares the backward pass knowing its neighbours: {@code openedOutputGradient}, when not
     * null, is the mask the gradient of the output arrives opened with (given only to a layer
     * that {@link #opensOutputGradient()}; it uses that mask instead of a fresh one), and
     * {@code openInputGradient} says the layer below opens what this one hands it (a layer that
     * can hand it opened for less does). The default ignores both.
     */
    default void declareBackward(Plan.Builder plan, boolean inputGradient, Mask openedOutputGradient,
                                 boolean openInputGradient) {
        declareBackward(plan, inputGradient);
    }

    /**
     * After {@link #declareBackward}: the (derived) mask the gradient of the input leaves this
     * layer opened with, the tensor it returns from {@link #backward} being the one derived with
     * it; null when it leaves as plain shares.
     */
    default Mask openedInputGradient() {
        return null;
    }

    /** This party's share of the output, given its share of the input; keeps what backward needs. */
    Ring128Tensor forward(ComputeParty party, Ring128Tensor input);

    /** Gradient of the input (null if not declared), given the gradient of the output; stores parameter gradients. */
    Ring128Tensor backward(ComputeParty party, Ring128Tensor outputGradient, boolean inputGradient);

    /** The trainable parameters (none for a parameter-free layer). */
    default List<Param> params() {
        return List.of();
    }

    /**
     * A layer that {@link #opensOutputGradient() opens the gradient of its output}: it declares
     * its backward pass only knowing its neighbours.
     */
    interface OpeningOutputGradient extends SecureLayer {
        @Override
        default boolean opensOutputGradient() {
            return true;
        }

        @Override
        default void declareBackward(Plan.Builder plan, boolean inputGradient) {
            declareBackward(plan, inputGradient, null, false);
        }

        @Override
        void declareBackward(Plan.Builder plan, boolean inputGradient, Mask openedOutputGradient,
                             boolean openInputGradient);
    }
}
