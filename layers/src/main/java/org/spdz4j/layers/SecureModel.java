package org.spdz4j.layers;

import java.util.ArrayList;
import java.util.List;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.triples.Plan;

/**
 * One compute party's network on shares: the plan it implies, and training steps. Traffic is
 * counted per layer and phase, in scopes named {@code "<index> <layer>/forward"} and
 * {@code ".../backward"}.
 *
 * <pre>{@code
 * SecureModel model = SecureModel.create(network, Shape.of(128, 1, 28, 28), setup, new Sgd(0.05, 0.9, 0));
 * party.beginStep(step, randomness.forStep(step));
 * model.trainStep(party, imagesShare, labelsShare);
 * }</pre>
 */
public final class SecureModel {
    /** Traffic scope of the range check's verdict. */
    public static final String RANGE_CHECK_SCOPE = "range check";
    /** Traffic scope of the loss gradient. */
    public static final String LOSS_SCOPE = "loss";

    private final Network network;
    private final List<Layer> layers;
    private final SecureLayers stack;
    private final List<SecureLayer> secure;
    private final List<String> scopes;
    private final Loss.Secure loss;
    private final Sgd sgd;
    private double rateFactor = 1;
    private final Plan plan;
    private final RangeCheck rangeCheck; // null when off
    private final boolean inputGradient; // the first layer also back-propagates to the input (a split network's top)
    private Ring128Tensor lastInputGradient;

    private SecureModel(Network network, Shape input, SecureSetup setup, Sgd sgd, boolean inputGradient) {
        this.inputGradient = inputGradient;
        this.network = network;
        this.layers = network.layersFor(setup.mode());
        this.sgd = sgd;
        this.rangeCheck = setup.rangeCheck();
        this.stack = new SecureLayers(layers, input, setup);
        this.secure = stack.layers();
        this.scopes = stack.scopes();
        this.loss = network.loss().secure(stack.output(), setup);
        Plan.Builder b = Plan.builder("spdz4j " + setup.mode() + " input=" + input + " f=" + setup.fp().fractionalBits()
                + " " + network.describe() + (rangeCheck == null ? "" : " range-check"));
        stack.declareForward(b);
        if (rangeCheck != null) {
            rangeCheck.declareVerdict(b);
        }
        loss.declare(b);
        Mask arriving = null; // the gradient handed down already opened, if it is
        for (int i = secure.size() - 1; i >= 0; i--) {
            SecureLayer layer = secure.get(i);
            layer.declareBackward(b, i > 0 || inputGradient, layer.opensOutputGradient() ? arriving : null,
                    i > 0 && secure.get(i - 1).opensOutputGradient());
            arriving = layer.openedInputGradient();
        }
        this.plan = b.build();
    }

    /** One party's model of {@code network} for inputs of shape {@code input}. */
    public static SecureModel create(Network network, Shape input, SecureSetup setup, Sgd sgd) {
        return new SecureModel(network, input, setup, sgd, false);
    }

    /**
     * One party's model of a split network's {@link Network#top()} on activations of shape
     * {@code cut}: each step also yields the gradient at the cut ({@link #cutGradient()}), for the
     * data holder whose batch it was.
     */
    public static SecureModel createTop(Network network, Shape cut, SecureSetup setup, Sgd sgd) {
        return new SecureModel(network.top(), cut, setup, sgd, true);
    }

    /**
     * This party's share of the gradient of the loss at the model's input in the last
     * {@link #trainStep}, computed before the update; only for a model made by {@link #createTop}.
     */
    public Ring128Tensor cutGradient() {
        if (!inputGradient) {
            throw new IllegalStateException("only a split network's top (SecureModel.createTop) computes the cut gradient");
        }
        if (lastInputGradient == null) {
            throw new IllegalStateException("no training step yet");
        }
        return lastInputGradient;
    }

    /** The plan of one training step. */
    public Plan plan() {
        return plan;
    }

    /** The traffic scope of a layer's forward pass; {@code layerScope} is one of {@link #layerScopes()}. */
    public static String forwardScope(String layerScope) {
        return layerScope + "/forward";
    }

    /** The traffic scope of a layer's backward pass. */
    public static String backwardScope(String layerScope) {
        return layerScope + "/backward";
    }

    /** Scope names of the traffic counter, one per layer (see {@link #forwardScope}, {@link #backwardScope}). */
    public List<String> layerScopes() {
        return scopes;
    }

    /** Share of the logits. */
    public Ring128Tensor forward(ComputeParty party, Ring128Tensor input) {
        return stack.forward(party, input);
    }

    /**
     * Scales the learning rate of the following steps: the optimizer's rate times {@code factor}
     * (a {@link LearningRateSchedule} sets it before each step). Public, so both parties set the same.
     */
    public void learningRateFactor(double factor) {
        rateFactor = LearningRateSchedule.checkedFactor(factor);
    }

    /** One SGD step on a batch; the party must have begun the step. Returns this party's share of the logits. */
    public Ring128Tensor trainStep(ComputeParty party, Ring128Tensor input, Ring128Tensor targets) {
        TrafficCounter t = party.transport().traffic();
        Ring128Tensor logits = forward(party, input);
        if (rangeCheck != null) {
            try (TrafficCounter.Scope s = t.scope(RANGE_CHECK_SCOPE)) {
                rangeCheck.finishStep(party);
            }
        }
        Ring128Tensor delta;
        try (TrafficCounter.Scope s = t.scope(LOSS_SCOPE)) {
            delta = loss.gradient(party, logits, targets);
        }
        for (int i = secure.size() - 1; i >= 0; i--) {
            try (TrafficCounter.Scope s = t.scope(backwardScope(scopes.get(i)))) {
                delta = secure.get(i).backward(party, delta, i > 0 || inputGradient);
            }
        }
        lastInputGradient = inputGradient ? delta : null;
        for (Param p : params()) {
            sgd.update(party, p, rateFactor);
        }
        return logits;
    }

    /**
     * With the range check on ({@link SecureSetup#withRangeCheck}), at P0: whether an activation
     * of the last step lay outside its comparison range or polynomial interval. False at P1 and
     * when the check is off.
     */
    public boolean rangeExceeded() {
        return rangeCheck != null && rangeCheck.exceeded();
    }

    /** The loss value this party was deliberately shown for the last step (see the loss), or NaN. */
    public double revealedLoss() {
        return loss.revealedLoss();
    }

    /** Every parameter, layer by layer. */
    public List<Param> params() {
        return stack.params();
    }

    /**
     * Reveals every parameter to {@code owner} (the other party learns nothing). Returns the
     * decoded values at the owner, null at the other party.
     */
    public List<double[]> revealTo(ComputeParty party, Role owner) {
        List<double[]> out = new ArrayList<>();
        for (Param p : params()) {
            Ring128Tensor v = party.revealTo(owner, p.value());
            out.add(v == null ? null : party.fixedPoint().decode(v));
        }
        return party.role().equals(owner) ? out : null;
    }

    /**
     * Reveals every parameter, flattened, to the accepted contributor {@code owner} alone (a split
     * run's model owner) as its results {@code firstStream, firstStream + 1, ...} of the current
     * step: neither party learns anything.
     */
    public void revealToContributor(ComputeParty party, Role owner, int firstStream) {
        int stream = firstStream;
        for (Param p : params()) {
            party.revealToContributor(owner, p.value().reshape(Shape.of(p.value().size())), stream++);
        }
    }

    /** The network this model runs. */
    public Network network() {
        return network;
    }
}
