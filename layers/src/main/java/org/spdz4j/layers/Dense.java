package org.spdz4j.layers;

import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry.Product;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.triples.Plan;

/**
 * Fully connected layer {@code y = x W^T + b}, weights (out, in), bias (out). The bias and its
 * gradient are local on shares. Optimized: x, W and the error are each masked once for the
 * three products; baseline masks both operands of every product afresh.
 */
public record Dense(int in, int out) implements Layer {

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 2 || input.dim(1) != in) {
            throw new IllegalArgumentException(describe() + " expects input (N, " + in + "), got " + input);
        }
        return Shape.of(input.dim(0), out);
    }

    @Override
    public String describe() {
        return "dense(" + in + "," + out + ")";
    }

    @Override
    public SecureLayer secure(Shape input, SecureSetup setup) {
        Shape outShape = outputShape(input);
        Param w = setup.param("weight", Shape.of(out, in), setup.init().gaussian(out * in, in));
        Param b = setup.param("bias", Shape.of(out), setup.init().fixed(new double[out]));
        int f = setup.fp().fractionalBits();
        boolean optimized = setup.optimized();
        return new SecureLayer() {
            private Mask mX, mW, mD, mX2, mD2, mW2;
            private Product pForward, pWeightGrad, pInputGrad;
            private MaskedTensor x, wm;

            @Override
            public void declareForward(Plan.Builder plan) {
                mX = plan.mask(input);
                mW = plan.mask(w.shape());
                pForward = plan.product(BilinearOps.matmul(false, true), mX, mW, f);
            }

            @Override
            public void declareBackward(Plan.Builder plan, boolean inputGradient) {
                mD = plan.mask(outShape);
                mX2 = plan.maskAgain(mX, optimized);
                pWeightGrad = plan.product(BilinearOps.matmul(true, false), mD, mX2, f);
                if (inputGradient) {
                    mD2 = plan.maskAgain(mD, optimized);
                    mW2 = plan.maskAgain(mW, optimized);
                    pInputGrad = plan.product(BilinearOps.matmul(false, false), mD2, mW2, f);
                }
            }

            @Override
            public Ring128Tensor forward(ComputeParty party, Ring128Tensor input) {
                List<MaskedTensor> xw = party.maskAll(List.of(input, w.value), List.of(mX, mW)); // one round
                x = xw.get(0);
                wm = xw.get(1);
                Ring128Tensor y = party.multiply(pForward, x, wm);
                return y.add(b.value.broadcastRows(input.shape().dim(0)));
            }

            @Override
            public Ring128Tensor backward(ComputeParty party, Ring128Tensor delta, boolean inputGradient) {
                MaskedTensor d = party.mask(delta, mD);
                w.gradient = party.multiply(pWeightGrad, d, party.mask(x, mX2));
                b.gradient = delta.columnSums();
                if (!inputGradient) {
                    return null;
                }
                return party.multiply(pInputGrad, party.mask(d, mD2), party.mask(wm, mW2));
            }

            @Override
            public List<Param> params() {
                return List.of(w, b);
            }
        };
    }

    @Override
    public FloatLayer twin(Shape input, Initializer init) {
        int n = outputShape(input).dim(0);
        FloatParam w = new FloatParam("weight", init.gaussian(out * in, in));
        FloatParam b = new FloatParam("bias", init.fixed(new double[out]));
        return new FloatLayer() {
            private DMatrixRMaj x;

            @Override
            public FloatTensor forward(FloatTensor input) {
                x = DMatrixRMaj.wrap(n, in, input.values());
                DMatrixRMaj y = new DMatrixRMaj(n, out);
                FloatGemm.multTransB(x, DMatrixRMaj.wrap(out, in, w.value), y);
                for (int r = 0; r < n; r++) {
                    for (int c = 0; c < out; c++) {
                        y.data[r * out + c] += b.value[c];
                    }
                }
                return new FloatTensor(Shape.of(n, out), y.data);
            }

            @Override
            public FloatTensor backward(FloatTensor delta) {
                DMatrixRMaj d = DMatrixRMaj.wrap(n, out, delta.values());
                FloatGemm.multTransA(d, x, DMatrixRMaj.wrap(out, in, w.gradient));
                java.util.Arrays.fill(b.gradient, 0);
                for (int r = 0; r < n; r++) {
                    for (int c = 0; c < out; c++) {
                        b.gradient[c] += delta.values()[r * out + c];
                    }
                }
                DMatrixRMaj dx = new DMatrixRMaj(n, in);
                FloatGemm.mult(d, DMatrixRMaj.wrap(out, in, w.value), dx);
                return new FloatTensor(Shape.of(n, in), dx.data);
            }

            @Override
            public List<FloatParam> params() {
                return List.of(w, b);
            }
        };
    }
}
