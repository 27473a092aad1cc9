package org.spdz4j.layers;

import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/**
 * One trainable tensor as a compute party holds it: its share, its gradient share from the last
 * backward pass, and its momentum share.
 */
public final class Param {
    private final String name;
    private final Shape shape;
    Ring128Tensor value;
    Ring128Tensor gradient;
    Ring128Tensor velocity;

    Param(String name, Ring128Tensor value) {
        this.name = name;
        this.shape = value.shape();
        this.value = value;
        this.velocity = Ring128Tensor.zeros(shape);
    }

    /** The parameter's name within its layer. */
    public String name() {
        return name;
    }

    /** The parameter's shape. */
    public Shape shape() {
        return shape;
    }

    /** This party's share of the parameter. */
    public Ring128Tensor value() {
        return value;
    }

    /** Replaces the share, e.g. from a checkpoint. */
    public void set(Ring128Tensor share) {
        if (!share.shape().equals(shape)) {
            throw new IllegalArgumentException(name + " has shape " + shape + ", got " + share.shape());
        }
        value = share;
    }

    /** This party's share of the momentum, or null before the first update. */
    public Ring128Tensor velocity() {
        return velocity;
    }

    /** Sets this party's share of the momentum. */
    public void setVelocity(Ring128Tensor share) {
        if (!share.shape().equals(shape)) {
            throw new IllegalArgumentException(name + " velocity has shape " + shape + ", got " + share.shape());
        }
        velocity = share;
    }
}
