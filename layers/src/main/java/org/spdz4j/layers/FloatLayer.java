package org.spdz4j.layers;

import java.util.List;

/** The plaintext twin of a layer, with the same maths (same polynomial, same approximations). */
public interface FloatLayer {

    /** The output for {@code input}; keeps what backward needs. */
    FloatTensor forward(FloatTensor input);

    /** Gradient of the input given that of the output; stores parameter gradients. */
    FloatTensor backward(FloatTensor outputGradient);

    /** Training (true: dropout drops, batch norm uses the batch's statistics) or inference (false, the default). */
    default void training(boolean on) {
    }

    /** The parameters, trainable ones and state (none for a parameter-free layer). */
    default List<FloatParam> params() {
        return List.of();
    }
}
