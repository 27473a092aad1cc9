package org.spdz4j.layers;

import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/** (N, C, H, W) to (N, C*H*W): a reshape, free on shares. */
public record Flatten() implements Layer {

    @Override
    public Shape outputShape(Shape input) {
        return Shape.of(input.dim(0), input.size() / input.dim(0));
    }

    @Override
    public String describe() {
        return "flatten";
    }

    @Override
    public SecureLayer secure(Shape input, SecureSetup setup) {
        Shape out = outputShape(input);
        return new SecureLayer() {
            @Override
            public Ring128Tensor forward(ComputeParty party, Ring128Tensor x) {
                return x.reshape(out);
            }

            @Override
            public Ring128Tensor backward(ComputeParty party, Ring128Tensor delta, boolean inputGradient) {
                return delta.reshape(input);
            }
        };
    }

    @Override
    public FloatLayer twin(Shape input, Initializer init) {
        Shape out = outputShape(input);
        return new FloatLayer() {
            @Override
            public FloatTensor forward(FloatTensor x) {
                return x.reshape(out);
            }

            @Override
            public FloatTensor backward(FloatTensor delta) {
                return delta.reshape(input);
            }
        };
    }
}
