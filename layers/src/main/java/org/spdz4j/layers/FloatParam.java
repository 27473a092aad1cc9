package org.spdz4j.layers;

/**
 * A float twin's parameter tensor: value, last gradient, momentum. A trainable one is moved by
 * the optimizer; a state one (a batch norm's running statistics) is kept and saved with the
 * model but never moved by a gradient.
 */
public final class FloatParam {
    private final String name;
    private final boolean trainable;
    final double[] value;
    final double[] gradient;
    final double[] velocity;

    FloatParam(String name, double[] value) {
        this(name, value, true);
    }

    FloatParam(String name, double[] value, boolean trainable) {
        this.name = name;
        this.trainable = trainable;
        this.value = value;
        this.gradient = new double[value.length];
        this.velocity = new double[value.length];
    }

    /** Whether the optimizer moves it (false for state such as running statistics). */
    public boolean trainable() {
        return trainable;
    }

    /** The parameter's name within its layer. */
    public String name() {
        return name;
    }

    /** The values (live, not a copy). */
    public double[] value() {
        return value;
    }
}
