package org.spdz4j.layers;

import java.util.ArrayList;
import java.util.List;
import org.spdz4j.core.ring.Shape;

/**
 * The float twin of a network: same layers, same polynomial, same loss approximations, same
 * initial parameters. Used to check the secure model and to evaluate a revealed model.
 *
 * <pre>{@code
 * FloatModel twin = FloatModel.create(network, Shape.of(128, 1, 28, 28), new Initializer(1, 0.05), sgd);
 * double loss = twin.trainStep(images, oneHot);
 * }</pre>
 */
public final class FloatModel {
    private final List<FloatLayer> layers = new ArrayList<>();
    private final Loss.Twin loss;
    private final Sgd sgd;

    private FloatModel(Network network, Shape input, Initializer init, Sgd sgd) {
        Shape s = input;
        for (Layer l : network.layersFor(Mode.OPTIMIZED)) {
            layers.add(l.twin(s, init));
            s = l.outputShape(s);
        }
        this.loss = network.loss().twin(s);
        this.sgd = sgd;
    }

    /** The float network of {@code network} for inputs of shape {@code input}. */
    public static FloatModel create(Network network, Shape input, Initializer init, Sgd sgd) {
        return new FloatModel(network, input, init, sgd);
    }

    /** The logits for {@code input}. */
    public FloatTensor forward(FloatTensor input) {
        FloatTensor x = input;
        for (FloatLayer l : layers) {
            x = l.forward(x);
        }
        return x;
    }

    /** One SGD step; returns the batch loss before the update. */
    public double trainStep(FloatTensor input, FloatTensor targets) {
        FloatTensor logits = forward(input);
        double value = loss.loss(logits, targets);
        FloatTensor delta = loss.gradient(logits, targets);
        for (int i = layers.size() - 1; i >= 0; i--) {
            delta = layers.get(i).backward(delta);
        }
        for (FloatParam p : params()) {
            sgd.update(p);
        }
        return value;
    }

    /** The loss of {@code logits} against {@code targets}. */
    public double loss(FloatTensor logits, FloatTensor targets) {
        return loss.loss(logits, targets);
    }

    /** Every parameter, layer by layer. */
    public List<FloatParam> params() {
        List<FloatParam> out = new ArrayList<>();
        for (FloatLayer l : layers) {
            out.addAll(l.params());
        }
        return out;
    }

    /** Copies of every parameter's values, in {@link #params()} order (what {@link #load} takes). */
    public List<double[]> paramValues() {
        List<double[]> out = new ArrayList<>();
        for (FloatParam p : params()) {
            out.add(p.value.clone());
        }
        return out;
    }

    /** Replaces every parameter, in {@link #params()} order (e.g. with a revealed model). */
    public void load(List<double[]> values) {
        List<FloatParam> ps = params();
        if (values.size() != ps.size()) {
            throw new IllegalArgumentException("model has " + ps.size() + " parameter tensors, got " + values.size());
        }
        for (int i = 0; i < ps.size(); i++) {
            if (values.get(i).length != ps.get(i).value.length) {
                throw new IllegalArgumentException("parameter " + i + " (" + ps.get(i).name() + ") has "
                        + ps.get(i).value.length + " values, got " + values.get(i).length);
            }
            System.arraycopy(values.get(i), 0, ps.get(i).value, 0, values.get(i).length);
        }
    }
}
