package org.spdz4j.layers;

import java.util.SplittableRandom;

/**
 * Public initial parameter values, reproducible from a seed. The initial model is public (as a
 * plaintext init that parties then share), so a non-cryptographic generator is fine here; it
 * never touches a share or a mask.
 */
public final class Initializer {
    private final long seed;
    private final double stddev;
    private int drawn;

    /** Weights N(0, stddev^2), biases zero. */
    public Initializer(long seed, double stddev) {
        this.seed = seed;
        this.stddev = stddev;
    }

    /** The next parameter tensor's values; the n-th call returns the same values for every caller. */
    double[] gaussian(int count) {
        SplittableRandom r = new SplittableRandom(seed * 1_000_003L + drawn++);
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = r.nextGaussian() * stddev;
        }
        return v;
    }
}
