package org.spdz4j.layers;

/** A float twin's trainable tensor: value, last gradient, momentum. */
public final class FloatParam {
    private final String name;
    final double[] value;
    final double[] gradient;
    final double[] velocity;

    FloatParam(String name, double[] value) {
        this.name = name;
        this.value = value;
        this.gradient = new double[value.length];
        this.velocity = new double[value.length];
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
