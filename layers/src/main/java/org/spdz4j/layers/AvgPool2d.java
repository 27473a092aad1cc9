package org.spdz4j.layers;

import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/**
 * Average pooling over non-overlapping {@code k x k} windows (k a power of two). Local on
 * shares: a sum and a truncation by log2(k^2). In optimized mode the network builder fuses it
 * into a preceding convolution instead.
 */
public record AvgPool2d(int k) implements Layer {

    /** Checks the pooling size. */
    public AvgPool2d {
        if (k <= 0 || Integer.bitCount(k) != 1) {
            throw new IllegalArgumentException("pooling size must be a power of two, got " + k);
        }
    }

    @Override
    public Shape outputShape(Shape input) {
        return Ring128Tensor.sumPoolShape(input, k);
    }

    @Override
    public String describe() {
        return "avgpool2d(" + k + ")";
    }

    private int shift() {
        return 2 * Integer.numberOfTrailingZeros(k);
    }

    @Override
    public SecureLayer secure(Shape input, SecureSetup setup) {
        outputShape(input);
        return new SecureLayer() {
            @Override
            public Ring128Tensor forward(ComputeParty party, Ring128Tensor x) {
                return party.truncate(x.sumPool(k), shift());
            }

            @Override
            public Ring128Tensor backward(ComputeParty party, Ring128Tensor delta, boolean inputGradient) {
                return inputGradient ? party.truncate(delta.repeat(k), shift()) : null;
            }
        };
    }

    @Override
    public FloatLayer twin(Shape input, Initializer init) {
        return new FloatLayer() {
            @Override
            public FloatTensor forward(FloatTensor x) {
                return FloatOps.avgPool(x, k);
            }

            @Override
            public FloatTensor backward(FloatTensor delta) {
                return FloatOps.avgPoolBackward(delta, k);
            }
        };
    }
}
