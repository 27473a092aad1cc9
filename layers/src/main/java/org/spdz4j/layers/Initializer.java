package org.spdz4j.layers;

import java.util.SplittableRandom;

/**
 * Public initial parameter values, reproducible from a seed. The initial model is public (as a
 * plaintext init that parties then share), so a non-cryptographic generator is fine here; it
 * never touches a share or a mask.
 */
public final class Initializer {
    private final long seed;
    private final WeightInit scheme;
    private int drawn;

    /** Weights N(0, stddev^2), biases zero. */
    public Initializer(long seed, double stddev) {
        this(seed, WeightInit.normal(stddev));
    }

    Initializer(long seed, WeightInit scheme) {
        this.seed = seed;
        this.scheme = scheme;
    }

    /** The next public random stream (a dropout layer's pattern), reproducible like the weights. */
    SplittableRandom stream() {
        return new SplittableRandom(seed * 1_000_003L + drawn++);
    }

    /**
     * The next weight tensor's values, for a layer whose outputs each sum {@code fanIn} inputs;
     * the n-th call returns the same values for every caller.
     */
    double[] gaussian(int count, int fanIn) {
        double stddev = scheme.he() ? Math.sqrt(2.0 / fanIn) : scheme.stddev();
        SplittableRandom r = stream();
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = r.nextGaussian() * stddev;
        }
        return v;
    }
}
