package org.spdz4j.layers;

import java.util.List;

/** The plaintext twin of a layer, with the same maths (same polynomial, same approximations). */
public interface FloatLayer {

    FloatTensor forward(FloatTensor input);

    /** Gradient of the input given that of the output; stores parameter gradients. */
    FloatTensor backward(FloatTensor outputGradient);

    default List<FloatParam> params() {
        return List.of();
    }
}
