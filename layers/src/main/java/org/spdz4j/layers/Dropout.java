package org.spdz4j.layers;

import java.util.SplittableRandom;
import org.spdz4j.core.ring.Shape;

/**
 * Inverted dropout for plaintext training (the bottom of a split network, a federated client):
 * in training each input is zeroed with probability {@code p} and the others scaled by
 * {@code 1 / (1 - p)}; in inference it passes everything. Not available on shares: a secure
 * model with it is refused.
 *
 * <pre>{@code
 * Network net = Network.builder().addConv2d(1, 32, 3, 1, 1).addRelu().addDropout(0.25)...;
 * }</pre>
 *
 * @param p the probability of dropping an input, in [0, 1)
 */
public record Dropout(double p) implements Layer {
    /** Checks the probability. */
    public Dropout {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("dropout probability must be in [0, 1), got " + p);
        }
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public String describe() {
        return "dropout(p=" + p + ")";
    }

    @Override
    public SecureLayer secure(Shape input, SecureSetup setup) {
        throw PlaintextOnly.refused(this);
    }

    @Override
    public FloatLayer twin(Shape input, Initializer init) {
        // the drop pattern is not a secret of anyone's data: a seeded generator keeps runs reproducible
        SplittableRandom random = init.stream();
        return new FloatLayer() {
            private boolean training;
            private double[] keep; // the last forward's scale per element, null after an inference

            @Override
            public void training(boolean on) {
                training = on;
            }

            @Override
            public FloatTensor forward(FloatTensor x) {
                if (!training || p == 0) {
                    keep = null;
                    return x;
                }
                double[] v = x.values();
                keep = new double[v.length];
                double[] out = new double[v.length];
                for (int i = 0; i < v.length; i++) {
                    keep[i] = random.nextDouble() < p ? 0 : 1 / (1 - p);
                    out[i] = v[i] * keep[i];
                }
                return new FloatTensor(x.shape(), out);
            }

            @Override
            public FloatTensor backward(FloatTensor delta) {
                if (keep == null) {
                    return delta;
                }
                double[] d = delta.values();
                double[] out = new double[d.length];
                for (int i = 0; i < d.length; i++) {
                    out[i] = d[i] * keep[i];
                }
                return new FloatTensor(delta.shape(), out);
            }
        };
    }
}
