package org.spdz4j.core.mpc;

import org.spdz4j.core.ring.Conv2dGeometry;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/**
 * The three bilinear maps of a square-kernel convolution (im2col form), each optionally fused
 * with a following {@code pool x pool} sum pooling (pool 1 = none). Fusing puts the pooling
 * into the dealer's {@code C} and the pooling backward (a repeat) into the gradient ops, so
 * corrections and openings are at pooled size. Sum pooling: divide by pool^2 in the truncation.
 * Layouts: weights (Cout, C, k, k), images and errors NCHW.
 *
 * <pre>{@code
 * BilinearOp fwd = Conv2dOps.forward(3, 1, 1, 2);                 // (W, X) -> pooled Y
 * BilinearOp dW  = Conv2dOps.weightGradient(3, 1, 1, 2);          // (X, dY pooled) -> dW
 * BilinearOp dX  = Conv2dOps.inputGradient(Shape.of(128, 32, 14, 14), 3, 1, 1, 2);  // (W, dY) -> dX
 * }</pre>
 */
public final class Conv2dOps {
    private Conv2dOps() {
    }

    /** {@code (W, X) -> sumPool(conv(X, W))}. */
    public static BilinearOp forward(int kernel, int stride, int padding, int pool) {
        return new Forward(check(kernel, stride, padding, pool));
    }

    /** {@code (X, dY) -> dW} where dY is the error after pooling. */
    public static BilinearOp weightGradient(int kernel, int stride, int padding, int pool) {
        return new WeightGradient(check(kernel, stride, padding, pool));
    }

    /** {@code (W, dY) -> dX} for an input of shape {@code input}, dY after pooling. */
    public static BilinearOp inputGradient(Shape input, int kernel, int stride, int padding, int pool) {
        return new InputGradient(input, check(kernel, stride, padding, pool));
    }

    private record Params(int kernel, int stride, int padding, int pool) {
        String describe() {
            return "k=" + kernel + ",s=" + stride + ",p=" + padding + ",pool=" + pool;
        }

        Conv2dGeometry geometry(Shape input) {
            return Conv2dGeometry.of(input, kernel, stride, padding);
        }

        /** Shape of the (pooled) output error for an input of shape {@code input}. */
        Shape pooledOutput(Shape input, int outChannels) {
            Shape full = geometry(input).outputShape(outChannels);
            return pool == 1 ? full : Ring128Tensor.sumPoolShape(full, pool);
        }

        void requireWeights(Shape w, Shape input, String op) {
            if (w.rank() != 4 || w.dim(2) != kernel || w.dim(3) != kernel || input.rank() != 4 || w.dim(1) != input.dim(1)) {
                throw new IllegalArgumentException(op + "(" + describe() + ") needs weights (Cout, C, " + kernel + ", "
                        + kernel + ") matching input (N, C, H, W), got weights " + w + " and input " + input);
            }
        }

        /** dY (N, Cout, OH, OW), after undoing the pooling, as the matrix (Cout, N*OH*OW). */
        Ring128Tensor errorMatrix(Ring128Tensor dy) {
            Ring128Tensor full = pool == 1 ? dy : dy.repeat(pool);
            Shape s = full.shape();
            return full.swapLeadingAxes().reshape(Shape.of(s.dim(1), s.dim(0) * s.dim(2) * s.dim(3)));
        }
    }

    private static Params check(int kernel, int stride, int padding, int pool) {
        if (kernel <= 0 || stride <= 0 || padding < 0 || pool <= 0) {
            throw new IllegalArgumentException("invalid convolution parameters kernel=" + kernel + " stride=" + stride
                    + " padding=" + padding + " pool=" + pool);
        }
        return new Params(kernel, stride, padding, pool);
    }

    private record Forward(Params p) implements BilinearOp {
        @Override
        public String name() {
            return "conv2d_forward(" + p.describe() + ")";
        }

        @Override
        public Shape outputShape(Shape w, Shape x) {
            p.requireWeights(w, x, "conv2d_forward");
            return p.pooledOutput(x, w.dim(0));
        }

        @Override
        public Ring128Tensor apply(Ring128Tensor w, Ring128Tensor x) {
            Conv2dGeometry g = p.geometry(x.shape());
            int cout = w.shape().dim(0);
            Ring128Tensor y = w.reshape(Shape.of(cout, g.columnRows()))
                    .matmul(x.im2col(g), false, false)
                    .reshape(Shape.of(cout, g.batch(), g.outHeight(), g.outWidth()))
                    .swapLeadingAxes();
            return p.pool == 1 ? y : y.sumPool(p.pool);
        }
    }

    private record WeightGradient(Params p) implements BilinearOp {
        @Override
        public String name() {
            return "conv2d_weight_gradient(" + p.describe() + ")";
        }

        @Override
        public Shape outputShape(Shape x, Shape dy) {
            if (dy.rank() != 4 || !dy.equals(p.pooledOutput(x, dy.dim(1))) || dy.dim(0) != x.dim(0)) {
                throw new IllegalArgumentException("conv2d_weight_gradient(" + p.describe() + ") needs an error of shape "
                        + (dy.rank() == 4 ? p.pooledOutput(x, dy.dim(1)) : "(N, Cout, OH, OW)") + " for input " + x
                        + ", got " + dy);
            }
            return Shape.of(dy.dim(1), x.dim(1), p.kernel, p.kernel);
        }

        @Override
        public Ring128Tensor apply(Ring128Tensor x, Ring128Tensor dy) {
            Conv2dGeometry g = p.geometry(x.shape());
            Ring128Tensor dyMatrix = p.errorMatrix(dy);
            int cout = dyMatrix.shape().dim(0);
            return dyMatrix.matmul(x.im2col(g), false, true)
                    .reshape(Shape.of(cout, g.channels(), p.kernel, p.kernel));
        }
    }

    private record InputGradient(Shape input, Params p) implements BilinearOp {
        @Override
        public String name() {
            return "conv2d_input_gradient(" + p.describe() + ",input=" + input + ")";
        }

        @Override
        public Shape outputShape(Shape w, Shape dy) {
            p.requireWeights(w, input, "conv2d_input_gradient");
            Shape expected = p.pooledOutput(input, w.dim(0));
            if (!dy.equals(expected)) {
                throw new IllegalArgumentException("conv2d_input_gradient(" + p.describe() + ") needs an error of shape "
                        + expected + " for weights " + w + ", got " + dy);
            }
            return input;
        }

        @Override
        public Ring128Tensor apply(Ring128Tensor w, Ring128Tensor dy) {
            Conv2dGeometry g = p.geometry(input);
            int cout = w.shape().dim(0);
            return w.reshape(Shape.of(cout, g.columnRows()))
                    .matmul(p.errorMatrix(dy), true, false)
                    .col2im(g);
        }
    }
}
