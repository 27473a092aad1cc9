package org.spdz4j.core.mpc;

import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;

/**
 * The one Beaver product for every bilinear op. With masks {@code A}, {@code B}, the dealer's
 * {@code C = op(A, B)} and the public {@code E = X - A}, {@code F = Y - B}:
 * {@code Z_i = [i = 0] op(E, F) + op(E, B_i) + op(A_i, F) + C_i}, so {@code Z_0 + Z_1 = op(X, Y)}.
 * P0 evaluates its first two terms as one {@code op(E, F + B_0)}, so each party runs op twice.
 * Purely local: the openings happened when X and Y were masked.
 *
 * <pre>{@code
 * Ring128Tensor z = BeaverProduct.combine(Role.P0, BilinearOps.matmul(false, false), x, y, cShare);
 * }</pre>
 */
public final class BeaverProduct {
    private BeaverProduct() {
    }

    /** This party's share of {@code op(X, Y)} from the openings of x and y and its share {@code cShare} of {@code op(A, B)}. */
    public static Ring128Tensor combine(Role role, BilinearOp op, MaskedTensor x, MaskedTensor y, Ring128Tensor cShare) {
        Shape out = op.outputShape(x.shape(), y.shape());
        if (!cShare.shape().equals(out)) {
            throw new IllegalArgumentException(op.name() + " of " + x.shape() + " and " + y.shape() + " gives " + out
                    + " but the dealer's product share has shape " + cShare.shape() + ": the plan does not match");
        }
        Ring128Tensor e = x.opened();
        Ring128Tensor f = y.opened();
        boolean withOpenedProduct = role.partyIndex() == 0; // the public op(E, F) is added once, by P0
        if (op == BilinearOps.elementwise()) {
            // the same formula in one fused pass
            return Ring128Tensor.beaverElementwise(withOpenedProduct, e, f, x.maskShare(), y.maskShare(), cShare);
        }
        Ring128Tensor left = op.apply(e, withOpenedProduct ? f.add(y.maskShare()) : y.maskShare());
        return left.add(op.apply(x.maskShare(), f)).add(cShare);
    }
}
