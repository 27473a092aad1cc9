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
    private int taken;   // pretrained tensors handed out

    /** Weights N(0, stddev^2), biases zero. */
    public Initializer(long seed, double stddev) {
        this(seed, WeightInit.normal(stddev));
    }

    Initializer(long seed, WeightInit scheme) {
        this.seed = seed;
        this.scheme = scheme;
    }

    /** An initializer at this one's point in its streams: the copy hands out what this one will. */
    Initializer copy() {
        Initializer c = new Initializer(seed, scheme);
        c.drawn = drawn;
        c.taken = taken;
        return c;
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
        if (scheme.isPretrained()) {
            return pretrained(count);
        }
        double stddev = scheme.he() ? Math.sqrt(2.0 / fanIn) : scheme.stddev();
        SplittableRandom r = stream();
        double[] v = new double[count];
        for (int i = 0; i < count; i++) {
            v[i] = r.nextGaussian() * stddev;
        }
        return v;
    }

    /**
     * The next parameter tensor that starts at {@code start} (a bias at zero, a batch norm's scale
     * at one), or the pretrained model's next one.
     */
    double[] fixed(double[] start) {
        return scheme.isPretrained() ? pretrained(start.length) : start;
    }

    /** The pretrained model's next tensor, refused unless it has {@code count} values; zeros where another party holds it. */
    private double[] pretrained(int count) {
        java.util.List<double[]> values = scheme.pretrained();
        int index = taken++;
        if (values.isEmpty()) {
            return new double[count];
        }
        if (index >= values.size() || values.get(index).length != count) {
            throw new IllegalArgumentException("the pretrained model does not fit the network: its parameter " + (index + 1)
                    + " has " + (index >= values.size() ? "no values (it has " + values.size() + " tensors)"
                    : values.get(index).length + " values") + ", the network's has " + count);
        }
        return values.get(index).clone();
    }
}
