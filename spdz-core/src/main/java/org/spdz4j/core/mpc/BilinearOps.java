package org.spdz4j.core.mpc;

import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/**
 * The elementwise and matrix products. Convolutions are in {@link Conv2dOps}.
 *
 * <pre>{@code
 * BilinearOp dense = BilinearOps.matmul(false, true);   // X * W^T
 * }</pre>
 */
public final class BilinearOps {
    private BilinearOps() {
    }

    /** Elementwise (Hadamard) product of two tensors of one shape. */
    public static BilinearOp elementwise() {
        return Elementwise.INSTANCE;
    }

    /** {@code op(X) * op(Y)} for rank-2 tensors, {@code op} transposing where the flag is set. */
    public static BilinearOp matmul(boolean transLeft, boolean transRight) {
        return new Matmul(transLeft, transRight);
    }

    /** Each row of a rank-2 {@code X} (N, F) scaled by the matching element of {@code Y} (N). */
    public static BilinearOp scaleRows() {
        return ScaleRows.INSTANCE;
    }

    private static final class ScaleRows implements BilinearOp {
        static final ScaleRows INSTANCE = new ScaleRows();

        @Override
        public String name() {
            return "scale_rows";
        }

        @Override
        public Shape outputShape(Shape left, Shape right) {
            if (left.rank() != 2 || right.rank() != 1 || left.dim(0) != right.dim(0)) {
                throw new IllegalArgumentException("scale_rows needs (N, F) and (N), got " + left + " and " + right);
            }
            return left;
        }

        @Override
        public Ring128Tensor apply(Ring128Tensor left, Ring128Tensor right) {
            return left.mul(right.broadcastColumns(left.shape().dim(1)));
        }
    }

    private static final class Elementwise implements BilinearOp {
        static final Elementwise INSTANCE = new Elementwise();

        @Override
        public String name() {
            return "elementwise";
        }

        @Override
        public Shape outputShape(Shape left, Shape right) {
            if (!left.equals(right)) {
                throw new IllegalArgumentException("elementwise product needs equal shapes, got " + left + " and " + right);
            }
            return left;
        }

        @Override
        public Ring128Tensor apply(Ring128Tensor left, Ring128Tensor right) {
            return left.mul(right);
        }
    }

    private record Matmul(boolean transLeft, boolean transRight) implements BilinearOp {
        @Override
        public String name() {
            return "matmul(transLeft=" + transLeft + ",transRight=" + transRight + ")";
        }

        @Override
        public Shape outputShape(Shape left, Shape right) {
            return Ring128Tensor.matmulShape(left, right, transLeft, transRight);
        }

        @Override
        public Ring128Tensor apply(Ring128Tensor left, Ring128Tensor right) {
            return left.matmul(right, transLeft, transRight);
        }
    }
}
