package org.spdz4j.layers;

import java.util.List;
import org.ejml.data.DMatrixRMaj;
import org.ejml.dense.row.CommonOps_DDRM;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
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
        Param w = setup.param("weight", Shape.of(out, in), setup.init().gaussian(out * in));
        Param b = setup.param("bias", Shape.of(out), new double[out]);
        int f = setup.fp().fractionalBits();
        boolean optimized = setup.optimized();
        return new SecureLayer() {
            private int mX, mW, pForward, mD, mX2, pWeightGrad, mD2, mW2, pInputGrad;
            private MaskedTensor x, wm;
            private Ring128Tensor xShare;

            @Override
            public void declareForward(Plan.Builder plan) {
                mX = plan.mask(input);
                mW = plan.mask(w.shape());
                pForward = plan.product(BilinearOps.matmul(false, true), mX, mW);
            }

            @Override
            public void declareBackward(Plan.Builder plan, boolean inputGradient) {
                mD = plan.mask(outShape);
                mX2 = optimized ? mX : plan.mask(input);
                pWeightGrad = plan.product(BilinearOps.matmul(true, false), mD, mX2);
                if (inputGradient) {
                    mD2 = optimized ? mD : plan.mask(outShape);
                    mW2 = optimized ? mW : plan.mask(w.shape());
                    pInputGrad = plan.product(BilinearOps.matmul(false, false), mD2, mW2);
                }
            }

            @Override
            public Ring128Tensor forward(ComputeParty party, Ring128Tensor input) {
                xShare = input;
                x = party.mask(input, mX);
                wm = party.mask(w.value, mW);
                Ring128Tensor y = party.truncate(party.multiply(BilinearOps.matmul(false, true), pForward, x, wm), f);
                return y.add(b.value.broadcastRows(input.shape().dim(0)));
            }

            @Override
            public Ring128Tensor backward(ComputeParty party, Ring128Tensor delta, boolean inputGradient) {
                MaskedTensor d = party.mask(delta, mD);
                MaskedTensor x2 = optimized ? x : party.mask(xShare, mX2);
                w.gradient = party.truncate(party.multiply(BilinearOps.matmul(true, false), pWeightGrad, d, x2), f);
                b.gradient = delta.columnSums();
                if (!inputGradient) {
                    return null;
                }
                MaskedTensor d2 = optimized ? d : party.mask(delta, mD2);
                MaskedTensor w2 = optimized ? wm : party.mask(w.value, mW2);
                return party.truncate(party.multiply(BilinearOps.matmul(false, false), pInputGrad, d2, w2), f);
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
        FloatParam w = new FloatParam("weight", init.gaussian(out * in));
        FloatParam b = new FloatParam("bias", new double[out]);
        return new FloatLayer() {
            private DMatrixRMaj x;

            @Override
            public FloatTensor forward(FloatTensor input) {
                x = DMatrixRMaj.wrap(n, in, input.values());
                DMatrixRMaj y = new DMatrixRMaj(n, out);
                CommonOps_DDRM.multTransB(x, DMatrixRMaj.wrap(out, in, w.value), y);
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
                CommonOps_DDRM.multTransA(d, x, DMatrixRMaj.wrap(out, in, w.gradient));
                java.util.Arrays.fill(b.gradient, 0);
                for (int r = 0; r < n; r++) {
                    for (int c = 0; c < out; c++) {
                        b.gradient[c] += delta.values()[r * out + c];
                    }
                }
                DMatrixRMaj dx = new DMatrixRMaj(n, in);
                CommonOps_DDRM.mult(d, DMatrixRMaj.wrap(out, in, w.value), dx);
                return new FloatTensor(Shape.of(n, in), dx.data);
            }

            @Override
            public List<FloatParam> params() {
                return List.of(w, b);
            }
        };
    }
}
