package org.spdz4j.layers;

/**
 * How a network's initial weights are drawn (biases start at zero): N(0, stddev^2) for every
 * layer, or He et al. 2015, N(0, 2 / fan-in), the scale that keeps the variance of ReLU
 * activations from layer to layer.
 *
 * <pre>{@code
 * Initializer init = WeightInit.HE.initializer(seed);   // or WeightInit.normal(0.05)
 * }</pre>
 *
 * @param he     draw N(0, 2 / fan-in)
 * @param stddev otherwise, the standard deviation of every weight
 */
public record WeightInit(boolean he, double stddev) {
    /** He's N(0, 2 / fan-in). */
    public static final WeightInit HE = new WeightInit(true, 0);

    public WeightInit {
        if (!he && !(stddev >= 0 && Double.isFinite(stddev))) {
            throw new IllegalArgumentException("initial weights' standard deviation must be finite and >= 0, got " + stddev);
        }
    }

    /** N(0, stddev^2) for every weight. */
    public static WeightInit normal(double stddev) {
        return new WeightInit(false, stddev);
    }

    /** {@code he} or a standard deviation, as the command line takes it. */
    public static WeightInit parse(String s) {
        if (s.equals("he")) {
            return HE;
        }
        try {
            return normal(Double.parseDouble(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("initial weights '" + s + "': he or a standard deviation such as 0.05", e);
        }
    }

    /** The generator of one model's initial values, reproducible from {@code seed}. */
    public Initializer initializer(long seed) {
        return new Initializer(seed, this);
    }

    @Override
    public String toString() {
        return he ? "N(0, 2/fan-in)" : "N(0, " + stddev + "^2)";
    }
}
