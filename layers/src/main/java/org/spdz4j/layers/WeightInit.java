package org.spdz4j.layers;

/**
 * How a network's initial weights are drawn (biases start at zero): N(0, stddev^2) for every
 * layer, or He et al. 2015, N(0, 2 / fan-in), the scale that keeps the variance of ReLU
 * activations from layer to layer; or taken from a pretrained model ({@link #pretrained}): its
 * owner holds the values, and in MPC its share of each parameter is the value and the other
 * party's zero, so the other party needs only {@link #PRETRAINED_ELSEWHERE}.
 *
 * <pre>{@code
 * Initializer init = WeightInit.HE.initializer(seed);   // or WeightInit.normal(0.05)
 * Initializer tuned = WeightInit.pretrained(ModelFile.read(path).params()).initializer(seed);
 * }</pre>
 *
 * @param he         draw N(0, 2 / fan-in)
 * @param stddev     otherwise, the standard deviation of every weight
 * @param pretrained the pretrained parameters in {@link FloatModel#params()} order, empty when
 *                   another party holds them, null when not pretrained
 */
public record WeightInit(boolean he, double stddev, java.util.List<double[]> pretrained) {
    /** He's N(0, 2 / fan-in). */
    public static final WeightInit HE = new WeightInit(true, 0, null);
    /** Pretrained weights that the model's owner holds, not this party: its shares of them are zero. */
    public static final WeightInit PRETRAINED_ELSEWHERE = new WeightInit(false, 0, java.util.List.of());

    public WeightInit {
        if (pretrained != null) {
            pretrained = java.util.List.copyOf(pretrained);
        }
        if (!he && !(stddev >= 0 && Double.isFinite(stddev))) {
            throw new IllegalArgumentException("initial weights' standard deviation must be finite and >= 0, got " + stddev);
        }
    }

    /** N(0, stddev^2) for every weight. */
    public static WeightInit normal(double stddev) {
        return new WeightInit(false, stddev, null);
    }

    /** The parameters of a pretrained model, in {@link FloatModel#params()} order. */
    public static WeightInit pretrained(java.util.List<double[]> values) {
        if (values.isEmpty()) {
            throw new IllegalArgumentException("a pretrained model without parameters");
        }
        return new WeightInit(false, 0, values);
    }

    /** Whether the initial parameters come from a pretrained model (here or at its owner). */
    public boolean isPretrained() {
        return pretrained != null;
    }

    /** {@code he}, a standard deviation, or {@code pretrained} (held by another party), as the command line takes it. */
    public static WeightInit parse(String s) {
        if (s.equals("he")) {
            return HE;
        }
        if (s.equals("pretrained")) {
            return PRETRAINED_ELSEWHERE;
        }
        try {
            return normal(Double.parseDouble(s));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("initial weights '" + s + "': he, pretrained or a standard deviation such as 0.05",
                    e);
        }
    }

    /** The generator of one model's initial values, reproducible from {@code seed}. */
    public Initializer initializer(long seed) {
        return new Initializer(seed, this);
    }

    @Override
    public String toString() {
        return isPretrained() ? "pretrained (held by the model's owner)" : he ? "N(0, 2/fan-in)" : "N(0, " + stddev + "^2)";
    }
}
