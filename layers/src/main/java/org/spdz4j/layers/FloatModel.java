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
    private final FloatOptimizer optimizer;
    private double rateFactor = 1;
    /** The batch shape this model was made for: every batch given to {@link #forward} must be of it. */
    private final Shape input;

    private FloatModel(Network network, Shape input, Initializer init, FloatOptimizer optimizer) {
        this.input = input;
        Shape s = input;
        for (Layer l : network.layersFor(Mode.OPTIMIZED)) {
            layers.add(l.twin(s, init));
            s = l.outputShape(s);
        }
        this.loss = network.loss() == null ? null : network.loss().twin(s); // a bottom segment has none
        this.optimizer = optimizer;
    }

    /** The float network of {@code network} for inputs of shape {@code input}. */
    public static FloatModel create(Network network, Shape input, Initializer init, FloatOptimizer optimizer) {
        return new FloatModel(network, input, init, optimizer);
    }

    /**
     * Which kernels run the float layers' matrix products on this machine: OpenBLAS where it is
     * installed, else EJML (see the README's section on the float twin).
     */
    public static String kernels() {
        return FloatGemm.engine();
    }

    /**
     * Scales the learning rate of the following steps: the optimizer's rate times {@code factor}
     * (a {@link LearningRateSchedule} sets it before each step).
     */
    public void learningRateFactor(double factor) {
        rateFactor = LearningRateSchedule.checkedFactor(factor);
    }

    /**
     * The logits for {@code batch}, of the size and example shape this model was created
     * for (refused otherwise: data of another shape would be read as garbage of the right size).
     */
    public FloatTensor forward(FloatTensor batch) {
        Shape given = batch.shape();
        if (!given.equals(input)) {
            Shape example = Shape.of(java.util.Arrays.copyOfRange(input.dims(), 1, input.rank()));
            Shape theirs = Shape.of(java.util.Arrays.copyOfRange(given.dims(), 1, given.rank()));
            throw new IllegalArgumentException(!theirs.equals(example)
                    ? "this network takes examples of shape " + example + ", not " + theirs
                    : "this model was made for batches of " + input.dim(0) + " examples, not " + given.dim(0));
        }
        FloatTensor x = batch;
        for (FloatLayer l : layers) {
            x = l.forward(x);
        }
        return x;
    }

    /**
     * One optimizer step in training mode (dropout drops, batch norm uses the batch's
     * statistics); returns the batch loss before the update. {@link #forward} alone infers.
     */
    public double trainStep(FloatTensor input, FloatTensor targets) {
        return trainOn(input, targets).loss();
    }

    /** The output in training mode, keeping what {@link #backwardAndUpdate} needs: a split network's bottom half. */
    public FloatTensor forwardTraining(FloatTensor input) {
        try {
            layers.forEach(l -> l.training(true));
            return forward(input);
        } finally {
            layers.forEach(l -> l.training(false));
        }
    }

    /**
     * Back-propagates {@code outputGradient} from the last {@link #forwardTraining}, then moves
     * every trainable parameter; returns the gradient of the input (computed before the update).
     */
    public FloatTensor backwardAndUpdate(FloatTensor outputGradient) {
        FloatTensor delta = outputGradient;
        for (int i = layers.size() - 1; i >= 0; i--) {
            delta = layers.get(i).backward(delta);
        }
        for (FloatParam p : params()) {
            if (p.trainable()) {
                optimizer.update(p, rateFactor);
            }
        }
        return delta;
    }

    /**
     * The loss of one step and the gradient of this model's input.
     *
     * @param loss          the batch loss before the update
     * @param inputGradient d loss / d input: what a split network's top returns to the bottom
     */
    public record Step(double loss, FloatTensor inputGradient) {
    }

    /**
     * One step of a model with a loss on {@code input} (for a split network's top, the bottom's
     * activations): the loss and the gradient of the input, to send back to the data holder.
     */
    public Step trainOn(FloatTensor input, FloatTensor targets) {
        if (loss == null) {
            throw new IllegalStateException("this model has no loss (a split network's bottom): train it with "
                    + "forwardTraining and backwardAndUpdate");
        }
        FloatTensor logits = forwardTraining(input);
        double value = loss(logits, targets);
        return new Step(value, backwardAndUpdate(loss.gradient(logits, targets)));
    }

    /** The loss of {@code logits} against {@code targets}. */
    public double loss(FloatTensor logits, FloatTensor targets) {
        if (!logits.shape().equals(targets.shape())) { // another class count would be read across rows
            throw new IllegalArgumentException("the targets are " + targets.shape() + " and the logits " + logits.shape()
                    + ": give as many classes as the network has outputs");
        }
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

    /**
     * Copies of every parameter's momentum ({@link Sgd}'s velocity; zeros for state such as
     * running statistics), in {@link #params()} order: what another party needs, beside
     * {@link #paramValues}, to go on training exactly where this model stopped.
     */
    public List<double[]> momentumValues() {
        List<double[]> out = new ArrayList<>();
        for (FloatParam p : params()) {
            out.add(p.velocity.clone());
        }
        return out;
    }

    /** Replaces every parameter's momentum, in {@link #params()} order (what {@link #momentumValues} gave). */
    public void loadMomentum(List<double[]> values) {
        copyInto(values, p -> p.velocity);
    }

    /** Replaces every parameter, in {@link #params()} order (e.g. with a revealed model). */
    public void load(List<double[]> values) {
        copyInto(values, p -> p.value);
    }

    private void copyInto(List<double[]> values, java.util.function.Function<FloatParam, double[]> target) {
        List<FloatParam> ps = params();
        if (values.size() != ps.size()) {
            throw new IllegalArgumentException("model has " + ps.size() + " parameter tensors, got " + values.size());
        }
        for (int i = 0; i < ps.size(); i++) {
            double[] into = target.apply(ps.get(i));
            if (values.get(i).length != into.length) {
                throw new IllegalArgumentException("parameter " + i + " (" + ps.get(i).name() + ") has "
                        + into.length + " values, got " + values.get(i).length);
            }
            System.arraycopy(values.get(i), 0, into, 0, into.length);
        }
    }
}
