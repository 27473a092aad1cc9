package org.spdz4j.layers;

import org.spdz4j.core.ring.Shape;

/**
 * A plaintext tensor of doubles, row-major: what the float twins compute on.
 *
 * @param shape  dimensions
 * @param values {@code shape.size()} values
 */
public record FloatTensor(Shape shape, double[] values) {
    /** Checks that the values fit the shape. */
    public FloatTensor {
        if (values.length != shape.size()) {
            throw new IllegalArgumentException("shape " + shape + " needs " + shape.size() + " values, got " + values.length);
        }
    }

    /** All zeros. */
    public static FloatTensor zeros(Shape shape) {
        return new FloatTensor(shape, new double[shape.size()]);
    }

    /** The same values as shape {@code s} (no copy). */
    public FloatTensor reshape(Shape s) {
        return new FloatTensor(s, values);
    }
}
