package org.spdz4j.core.ring;

import java.util.Arrays;

/**
 * The dimensions of a tensor, row-major. Immutable.
 *
 * <pre>{@code
 * Shape images = Shape.of(128, 1, 28, 28);   // N, C, H, W
 * int n = images.size();                      // 100352
 * }</pre>
 */
public final class Shape {
    private final int[] dims;
    private final int size;

    private Shape(int[] dims) {
        long s = 1;
        for (int d : dims) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(dims));
            }
            s *= d;
            if (s > Integer.MAX_VALUE - 8) {
                throw new IllegalArgumentException("shape " + Arrays.toString(dims) + " has more than 2^31 elements");
            }
        }
        this.dims = dims;
        this.size = (int) s;
    }

    /** The shape with these dimensions. */
    public static Shape of(int... dims) {
        return new Shape(dims.clone());
    }

    /** The number of axes. */
    public int rank() {
        return dims.length;
    }

    /** The size of axis {@code axis}. */
    public int dim(int axis) {
        return dims[axis];
    }

    /** A copy of the dimensions. */
    public int[] dims() {
        return dims.clone();
    }

    /** Number of elements. */
    public int size() {
        return size;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Shape s && Arrays.equals(dims, s.dims);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(dims);
    }

    @Override
    public String toString() {
        return Arrays.toString(dims);
    }
}
