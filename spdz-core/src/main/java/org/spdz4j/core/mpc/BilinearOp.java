package org.spdz4j.core.mpc;

import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/**
 * A map {@code op(X, Y)} linear in each argument over Z_2^128. The dealer evaluates it on masks
 * to make {@code C = op(A, B)}; {@link BeaverProduct} evaluates it on opened values and shares.
 * That one function is all an op supplies.
 *
 * <pre>{@code
 * BilinearOp conv = Conv2dOps.forward(3, 1, 1, 2);          // 3x3 conv fused with 2x2 pooling
 * Shape y = conv.outputShape(Shape.of(32, 1, 3, 3), Shape.of(128, 1, 28, 28));
 * }</pre>
 */
public interface BilinearOp {

    /** Canonical description with every parameter; part of the plan hash. */
    String name();

    /** Shape of {@code op(X, Y)}; throws {@link IllegalArgumentException} naming the op if the shapes do not fit. */
    Shape outputShape(Shape left, Shape right);

    /** {@code op(left, right)}, mod 2^128. */
    Ring128Tensor apply(Ring128Tensor left, Ring128Tensor right);
}
