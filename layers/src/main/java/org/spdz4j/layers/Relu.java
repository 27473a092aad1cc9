package org.spdz4j.layers;

import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry.Sign;
import org.spdz4j.core.mpc.PlanEntry.SignProduct;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.triples.Plan;

/**
 * Exact ReLU by secure comparison: {@code relu(z) = z [z >= 0]} from z's one opening (see
 * {@code ComputeParty.compare}); the backward pass multiplies the output gradient by the
 * forward pass's comparison bit without opening it (the dealer's {@code M * beta}; no second
 * comparison). Exact while the
 * fixed-point input stays within {@code |z| < 2^(bits-1-f)} (with f = 20 and the default
 * {@link #DEFAULT_BITS} = 40: {@code |z| < 524,288}); outside, the sign is that of z reduced to a
 * signed {@code bits}-bit integer. Both modes compute the same.
 *
 * <pre>{@code
 * Network net = Network.builder().addConv2d(1, 32, 3, 1, 1).addRelu().addMaxPool2d(2)...;
 * }</pre>
 *
 * @param bits width of the comparison, 2 to 127
 */
public record Relu(int bits) implements Layer {
    /** The default comparison width: 40 bits, values up to 2^19 at 20 fractional bits. */
    public static final int DEFAULT_BITS = 40;

    /** Checks the width. */
    public Relu {
        if (bits < 2 || bits > 127) {
            throw new IllegalArgumentException("ReLU comparison width must be 2..127 bits, got " + bits);
        }
    }

    /** The raw values a comparison of {@code bits} bits is exact for: {@code [-2^(bits-1), 2^(bits-1))}. */
    static long comparisonLimit(int bits) {
        if (bits > 63) {
            throw new IllegalArgumentException("the range check covers comparisons of up to 63 bits, not " + bits);
        }
        return 1L << (bits - 1);
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public String describe() {
        return "relu(k=" + bits + ")";
    }

    @Override
    public SecureLayer secure(Shape input, SecureSetup setup) {
        return new SecureLayer.OpeningOutputGradient() {
            private Mask maskZ, maskDelta;
            private Sign sign;
            private RangeCheck.Bound bound; // null unless the range check is on
            private SignProduct deltaTimesBit;

            @Override
            public void declareForward(Plan.Builder plan) {
                maskZ = plan.maskWithin(input, bits - 1); // the comparison's exact range
                sign = plan.sign(maskZ, bits);
                if (setup.rangeCheck() != null) {
                    bound = setup.rangeCheck().declare(plan, maskZ, comparisonLimit(bits));
                }
            }

            @Override
            public void declareBackward(Plan.Builder plan, boolean inputGradient, Mask opened, boolean openInputGradient) {
                maskDelta = opened != null && opened.shape().equals(input) ? opened : plan.mask(input);
                deltaTimesBit = plan.signProduct(sign, maskDelta);
            }

            @Override
            public Ring128Tensor forward(ComputeParty party, Ring128Tensor z) {
                MaskedTensor m = party.mask(z, maskZ);
                if (bound != null) {
                    setup.rangeCheck().check(bound, m);
                }
                return party.compare(sign, m).relu();
            }

            @Override
            public Ring128Tensor backward(ComputeParty party, Ring128Tensor delta, boolean inputGradient) {
                return party.multiplyBySign(deltaTimesBit, party.mask(delta, maskDelta)); // the forward bit, unopened
            }
        };
    }

    @Override
    public FloatLayer twin(Shape input, Initializer init) {
        return new FloatLayer() {
            private double[] z;

            @Override
            public FloatTensor forward(FloatTensor x) {
                z = x.values();
                return FloatOps.map(x, v -> v >= 0 ? v : 0);
            }

            @Override
            public FloatTensor backward(FloatTensor delta) {
                double[] out = new double[z.length];
                for (int i = 0; i < z.length; i++) {
                    out[i] = z[i] >= 0 ? delta.values()[i] : 0;
                }
                return new FloatTensor(delta.shape(), out);
            }
        };
    }
}
