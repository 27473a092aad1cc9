package org.spdz4j.layers;

import org.spdz4j.core.ring.Shape;

/**
 * A layer's public description: architecture only, no values. It makes the secure layer each
 * party runs and the float twin that checks it. Parameters start from the same public
 * {@link Initializer} in both.
 */
public interface Layer {

    /** The output shape for an input of shape {@code input}; refuses an input that does not fit. */
    Shape outputShape(Shape input);

    /** This layer on shares, for one party, with its parameters' initial shares. */
    SecureLayer secure(Shape input, SecureSetup setup);

    /** This layer's float twin, initialised as the secure one. */
    FloatLayer twin(Shape input, Initializer init);

    /** Canonical text (part of the plan name and of exported models). */
    String describe();
}
