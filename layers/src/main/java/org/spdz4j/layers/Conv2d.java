package org.spdz4j.layers;

import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.spdz4j.core.mpc.BilinearOp;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.Conv2dOps;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry.Product;
import org.spdz4j.core.ring.Conv2dGeometry;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.triples.Plan;

/**
 * 2-D convolution with a square kernel, with or without a bias per output channel, optionally
 * fused with a following {@code pool x pool} average pooling (the builder fuses in optimized
 * mode). The bias is added after the pooling (the same: averaging a constant keeps it), locally
 * on shares, and its gradient is the error's sum per channel, also local.
 *
 * <p>Optimized: the image and the weights are masked once; one convolution triple serves the
 * forward pass, the weight gradient and the input gradient; with pooling fused, the dealer's
 * products and the error's opening are at pooled size. Baseline: im2col output and weights are
 * masked for a plain matmul, and again for each backward product.
 */
public record Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, int pool, boolean bias)
        implements Layer {

    /** Checks the parameters. */
    public Conv2d {
        if (pool != 1 && pool != 2 && pool != 4) {
            throw new IllegalArgumentException("fused pooling must be 1, 2 or 4, got " + pool);
        }
    }

    /** Without a bias. */
    public Conv2d(int inChannels, int outChannels, int kernel, int stride, int padding, int pool) {
        this(inChannels, outChannels, kernel, stride, padding, pool, false);
    }

    Conv2d withPool(int p) {
        return new Conv2d(inChannels, outChannels, kernel, stride, padding, p, bias);
    }

    /** {@code b} (C) added to every (n, c, :, :) of {@code y} (N, C, H, W): local on shares. */
    static Ring128Tensor addChannelBias(Ring128Tensor y, Ring128Tensor b) {
        Shape s = y.shape();
        int plane = s.dim(2) * s.dim(3);
        return y.add(b.broadcastColumns(plane).reshape(Shape.of(s.dim(1) * plane)).broadcastRows(s.dim(0)).reshape(s));
    }

    /** The sum of {@code delta} (N, C, H, W) over everything but its channel: the bias's gradient (C). */
    static Ring128Tensor channelSums(Ring128Tensor delta) {
        Shape s = delta.shape();
        int plane = s.dim(2) * s.dim(3);
        return delta.reshape(Shape.of(s.dim(0), s.dim(1) * plane)).columnSums().reshape(Shape.of(s.dim(1), plane)).rowSums();
    }

    @Override
    public Shape outputShape(Shape input) {
        Conv2dGeometry g = geometry(input);
        return Shape.of(g.batch(), outChannels, g.outHeight() / pool, g.outWidth() / pool);
    }

    @Override
    public String describe() {
        return "conv2d(" + inChannels + "," + outChannels + ",k=" + kernel + ",s=" + stride + ",p=" + padding
                + (pool > 1 ? ",avgpool=" + pool : "") + (bias ? ",bias" : "") + ")";
    }

    private Shape weightShape() {
        return Shape.of(outChannels, inChannels, kernel, kernel);
    }

    private Conv2dGeometry geometry(Shape input) {
        Conv2dGeometry g = Conv2dGeometry.of(input, kernel, stride, padding);
        if (input.dim(1) != inChannels) {
            throw new IllegalArgumentException(describe() + " expects " + inChannels + " input channels, got " + input);
        }
        return g;
    }

    /** Truncation after a product: f bits, plus log2(pool^2) for the average. */
    private int shift(int f) {
        return f + 2 * Integer.numberOfTrailingZeros(pool);
    }

    @Override
    public SecureLayer secure(Shape input, SecureSetup setup) {
        Conv2dGeometry g = geometry(input);
        Param w = setup.param("weight", weightShape(), setup.init().gaussian(weightShape().size(), inChannels * kernel * kernel));
        Param b = bias ? setup.param("bias", Shape.of(outChannels), setup.init().fixed(new double[outChannels])) : null;
        if (!setup.optimized() && pool != 1) {
            throw new IllegalStateException("baseline mode does not fuse pooling into " + describe());
        }
        SecureLayer conv = setup.optimized() ? new Fused(g, w, shift(setup.fp().fractionalBits()))
                : new Im2colMatmul(g, w, setup.fp().fractionalBits());
        return b == null ? conv : new Biased(conv, b);
    }

    /** A convolution on shares with its bias: added after it, its gradient the error's sum per channel. */
    private record Biased(SecureLayer conv, Param b) implements SecureLayer {
        @Override
        public void declareForward(Plan.Builder plan) {
            conv.declareForward(plan);
        }

        @Override
        public boolean opensOutputGradient() {
            return conv.opensOutputGradient();
        }

        @Override
        public void declareBackward(Plan.Builder plan, boolean inputGradient) {
            conv.declareBackward(plan, inputGradient);
        }

        @Override
        public void declareBackward(Plan.Builder plan, boolean inputGradient, Mask opened, boolean openInputGradient) {
            conv.declareBackward(plan, inputGradient, opened, openInputGradient);
        }

        @Override
        public Mask openedInputGradient() {
            return conv.openedInputGradient();
        }

        @Override
        public Ring128Tensor forward(ComputeParty party, Ring128Tensor input) {
            return addChannelBias(conv.forward(party, input), b.value);
        }

        @Override
        public Ring128Tensor backward(ComputeParty party, Ring128Tensor delta, boolean inputGradient) {
            b.gradient = channelSums(delta);
            return conv.backward(party, delta, inputGradient);
        }

        @Override
        public List<Param> params() {
            return List.of(conv.params().get(0), b);
        }
    }

    /** Optimized: convolution triples on the image. */
    private final class Fused implements SecureLayer.OpeningOutputGradient {
        private final Conv2dGeometry g;
        private final Param w;
        private final int shift;
        private final BilinearOp forward = Conv2dOps.forward(kernel, stride, padding, pool);
        private final BilinearOp weightGrad = Conv2dOps.weightGradient(kernel, stride, padding, pool);
        private final BilinearOp inputGrad;
        private Mask maskX, maskW, maskDelta;
        private Product productForward, productWeightGrad, productInputGrad;
        private MaskedTensor x, wm;

        Fused(Conv2dGeometry g, Param w, int shift) {
            this.g = g;
            this.w = w;
            this.shift = shift;
            this.inputGrad = Conv2dOps.inputGradient(g.inputShape(), kernel, stride, padding, pool);
        }

        @Override
        public void declareForward(Plan.Builder plan) {
            maskX = plan.mask(g.inputShape());
            maskW = plan.mask(weightShape());
            productForward = plan.product(forward, maskW, maskX, shift);
        }

        @Override
        public void declareBackward(Plan.Builder plan, boolean inputGradient, Mask opened, boolean openInputGradient) {
            Shape delta = outputShape(g.inputShape());
            maskDelta = opened != null && opened.shape().equals(delta) ? opened : plan.mask(delta);
            productWeightGrad = plan.product(weightGrad, maskX, maskDelta, shift);
            if (inputGradient) {
                productInputGrad = plan.product(inputGrad, maskW, maskDelta, shift);
            }
        }

        @Override
        public Ring128Tensor forward(ComputeParty party, Ring128Tensor input) {
            List<MaskedTensor> xw = party.maskAll(List.of(input, w.value), List.of(maskX, maskW)); // one round
            x = xw.get(0);
            wm = xw.get(1);
            return party.multiply(productForward, wm, x);
        }

        @Override
        public Ring128Tensor backward(ComputeParty party, Ring128Tensor delta, boolean inputGradient) {
            MaskedTensor d = party.mask(delta, maskDelta);
            w.gradient = party.multiply(productWeightGrad, x, d);
            return inputGradient ? party.multiply(productInputGrad, wm, d) : null;
        }

        @Override
        public List<Param> params() {
            return List.of(w);
        }
    }

    /** Baseline: generic matmul triples on im2col output, fresh masks for every product. */
    private final class Im2colMatmul implements SecureLayer {
        private final Conv2dGeometry g;
        private final Param w;
        private final int f;
        private final Shape wMatrix;
        private final Shape deltaMatrix;
        private Mask mCols, mW, mDelta1, mCols2, mW2, mDelta2;
        private Product pForward, pWeightGrad, pInputGrad;
        private Ring128Tensor cols;

        Im2colMatmul(Conv2dGeometry g, Param w, int f) {
            this.g = g;
            this.w = w;
            this.f = f;
            this.wMatrix = Shape.of(outChannels, g.columnRows());
            this.deltaMatrix = Shape.of(outChannels, g.columnCols());
        }

        @Override
        public void declareForward(Plan.Builder plan) {
            mCols = plan.mask(g.columnShape());
            mW = plan.mask(wMatrix);
            pForward = plan.product(BilinearOps.matmul(false, false), mW, mCols, f);
        }

        @Override
        public void declareBackward(Plan.Builder plan, boolean inputGradient) {
            mDelta1 = plan.mask(deltaMatrix);
            mCols2 = plan.mask(g.columnShape());
            pWeightGrad = plan.product(BilinearOps.matmul(false, true), mDelta1, mCols2, f);
            if (inputGradient) {
                mW2 = plan.mask(wMatrix);
                mDelta2 = plan.mask(deltaMatrix);
                pInputGrad = plan.product(BilinearOps.matmul(true, false), mW2, mDelta2, f);
            }
        }

        @Override
        public Ring128Tensor forward(ComputeParty party, Ring128Tensor input) {
            cols = input.im2col(g);
            List<MaskedTensor> wc = party.maskAll(List.of(w.value.reshape(wMatrix), cols), List.of(mW, mCols));
            Ring128Tensor y = party.multiply(pForward, wc.get(0), wc.get(1));
            return y.reshape(Shape.of(outChannels, g.batch(), g.outHeight(), g.outWidth()))
                    .swapLeadingAxes();
        }

        @Override
        public Ring128Tensor backward(ComputeParty party, Ring128Tensor delta, boolean inputGradient) {
            Ring128Tensor dm = delta.swapLeadingAxes().reshape(deltaMatrix);
            List<MaskedTensor> dc = party.maskAll(List.of(dm, cols), List.of(mDelta1, mCols2));
            w.gradient = party.multiply(pWeightGrad, dc.get(0), dc.get(1)).reshape(weightShape());
            if (!inputGradient) {
                return null;
            }
            List<MaskedTensor> wd = party.maskAll(List.of(w.value.reshape(wMatrix), dm), List.of(mW2, mDelta2));
            return party.multiply(pInputGrad, wd.get(0), wd.get(1)).col2im(g);
        }

        @Override
        public List<Param> params() {
            return List.of(w);
        }
    }

    @Override
    public FloatLayer twin(Shape input, Initializer init) {
        Conv2dGeometry g = geometry(input);
        FloatParam w = new FloatParam("weight", init.gaussian(weightShape().size(), inChannels * kernel * kernel));
        FloatParam b = bias ? new FloatParam("bias", init.fixed(new double[outChannels])) : null;
        return new FloatLayer() {
            private DMatrixRMaj cols;

            @Override
            public FloatTensor forward(FloatTensor in) {
                cols = FloatOps.im2col(in, g);
                DMatrixRMaj wm = DMatrixRMaj.wrap(outChannels, g.columnRows(), w.value);
                DMatrixRMaj y = new DMatrixRMaj(outChannels, g.columnCols());
                FloatGemm.mult(wm, cols, y);
                FloatTensor out = FloatOps.swapLeadingAxes(
                        new FloatTensor(Shape.of(outChannels, g.batch(), g.outHeight(), g.outWidth()), y.data));
                FloatTensor pooled = pool == 1 ? out : FloatOps.avgPool(out, pool);
                if (b != null) {
                    double[] v = pooled.values();
                    int plane = pooled.shape().dim(2) * pooled.shape().dim(3);
                    for (int i = 0; i < v.length; i++) {
                        v[i] += b.value[(i / plane) % outChannels];
                    }
                }
                return pooled;
            }

            @Override
            public FloatTensor backward(FloatTensor delta) {
                if (b != null) {
                    java.util.Arrays.fill(b.gradient, 0);
                    double[] d = delta.values();
                    int plane = delta.shape().dim(2) * delta.shape().dim(3);
                    for (int i = 0; i < d.length; i++) {
                        b.gradient[(i / plane) % outChannels] += d[i];
                    }
                }
                FloatTensor full = pool == 1 ? delta : FloatOps.avgPoolBackward(delta, pool);
                FloatTensor dmT = FloatOps.swapLeadingAxes(full);
                DMatrixRMaj dm = DMatrixRMaj.wrap(outChannels, g.columnCols(), dmT.values());
                DMatrixRMaj gw = DMatrixRMaj.wrap(outChannels, g.columnRows(), w.gradient);
                FloatGemm.multTransB(dm, cols, gw);
                DMatrixRMaj wm = DMatrixRMaj.wrap(outChannels, g.columnRows(), w.value);
                DMatrixRMaj dcols = new DMatrixRMaj(g.columnRows(), g.columnCols());
                FloatGemm.multTransA(wm, dm, dcols);
                return FloatOps.col2im(dcols, g);
            }

            @Override
            public List<FloatParam> params() {
                return b == null ? List.of(w) : List.of(w, b);
            }
        };
    }
}
