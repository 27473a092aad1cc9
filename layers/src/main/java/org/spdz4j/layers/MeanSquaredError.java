package org.spdz4j.layers;

import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.triples.Plan;

/** {@code mean over the batch of sum_c (z - y)^2}; its gradient {@code 2 (z - y) / N} is local on shares. */
public record MeanSquaredError() implements Loss {

    @Override
    public String describe() {
        return "mse";
    }

    @Override
    public Secure secure(Shape logits, int batch, SecureSetup setup) {
        long scale = setup.fp().encode(2.0 / batch);
        int f = setup.fp().fractionalBits();
        return new Secure() {
            @Override
            public void declare(Plan.Builder plan) {
            }

            @Override
            public Ring128Tensor gradient(ComputeParty party, Ring128Tensor z, Ring128Tensor y) {
                return party.truncate(z.sub(y).mulScalar(scale), f);
            }
        };
    }

    @Override
    public Twin twin(Shape logits) {
        int n = logits.dim(0);
        return new Twin() {
            @Override
            public double loss(FloatTensor z, FloatTensor y) {
                double s = 0;
                for (int i = 0; i < z.values().length; i++) {
                    double d = z.values()[i] - y.values()[i];
                    s += d * d;
                }
                return s / n;
            }

            @Override
            public FloatTensor gradient(FloatTensor z, FloatTensor y) {
                double[] g = new double[z.values().length];
                for (int i = 0; i < g.length; i++) {
                    g[i] = 2 * (z.values()[i] - y.values()[i]) / n;
                }
                return new FloatTensor(z.shape(), g);
            }
        };
    }
}
