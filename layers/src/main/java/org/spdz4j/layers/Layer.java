package org.spdz4j.layers;

import org.spdz4j.core.ring.Shape;

/**
 * A layer's public description: architecture only, no values. It makes the secure layer each
 * party runs and the float twin that checks it. Parameters start from the same public
 * {@link Initializer} in both.
 */
public interface Layer {

    Shape outputShape(Shape input);

    SecureLayer secure(Shape input, SecureSetup setup);

    FloatLayer twin(Shape input, Initializer init);

    /** Canonical text (part of the plan name and of exported models). */
    String describe();
}
