package org.spdz4j.layers;

import java.util.ArrayList;
import java.util.List;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MicroBatch;
import org.spdz4j.core.mpc.NarrowOpening;
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
    private final Lane whole; // the whole batch's: the plan, and the parameters the optimizer updates
    private final List<Lane> lanes; // the lanes a step runs in: the whole batch's alone, or one per micro-batch
    private final List<MicroBatch> split; // each micro-batch's use of the whole batch's plan; null for one
    private final List<String> scopes;
    private final Sgd sgd;
    private double rateFactor = 1;
    private final Plan plan;
    private final boolean inputGradient; // the first layer also back-propagates to the input (a split network's top)
    private Ring128Tensor lastInputGradient;

    private SecureModel(Network network, Shape input, SecureSetup setup, Sgd sgd, boolean inputGradient, int microBatches) {
        if (microBatches < 1 || input.dim(0) % microBatches != 0) {
            throw new IllegalArgumentException("a batch of " + input.dim(0) + " cannot be split into " + microBatches
                    + " micro-batches of equal size");
        }
        this.inputGradient = inputGradient;
        this.network = network;
        this.sgd = sgd;
        List<Layer> layers = network.layersFor(setup.mode());
        // the micro-batches' layers start where the whole batch's do, and leave setup's initializer where it would
        Initializer start = microBatches == 1 ? null : setup.init().copy();
        this.whole = new Lane(layers, input, input.dim(0), setup, network.loss());
        this.scopes = whole.stack.scopes();
        Plan.Builder b = planBuilder("spdz4j " + setup.mode() + " input=" + input + " f=" + setup.fp().fractionalBits()
                + " " + network.describe() + (setup.rangeCheck() == null ? "" : " range-check"));
        whole.declare(b, inputGradient, true);
        this.plan = b.build();
        if (microBatches == 1) {
            this.lanes = List.of(whole);
            this.split = null;
            return;
        }
        int[] dims = input.dims().clone();
        dims[0] = input.dim(0) / microBatches;
        Shape rows = Shape.of(dims);
        this.lanes = new ArrayList<>();
        this.split = new ArrayList<>();
        for (int k = 0; k < microBatches; k++) {
            Lane lane = new Lane(layers, rows, input.dim(0), new SecureSetup(setup.role(), setup.mode(), setup.fp(),
                    start.copy(), setup.rangeCheck() == null ? null : new RangeCheck()), network.loss());
            Plan.Builder mine = planBuilder("micro-batch");
            lane.declare(mine, inputGradient, false); // the verdict is the whole batch's, after the micro-batches
            lanes.add(lane);
            split.add(MicroBatch.of(plan.entries(), mine.build().entries(), k, microBatches));
        }
    }

    /**
     * A builder for a plan of the secure layers (training, its micro-batches, prediction): every
     * fresh mask narrow, for tensors within {@link NarrowOpening#RANGE_BITS} (the backward pass's
     * within {@link #gradientRangeBits}; a compared tensor's within its comparison's exact range).
     */
    static Plan.Builder planBuilder(String name) {
        return Plan.builder(name).narrowMasks(NarrowOpening.RANGE_BITS);
    }

    /** How far above 1 a value the backward pass opens may go, in bits, and still be hidden to 2^-40: 2^20. */
    static final int GRADIENT_HEADROOM_BITS = 20;

    /**
     * The range of the masks of the backward pass (its gradients; in the baseline mode also the
     * operands it masks again): {@code 2^20} in value, {@code f + 20} bits raw (40 at 20
     * fractional bits: openings of 84 bits), at most {@link NarrowOpening#RANGE_BITS}. A larger
     * value opens correctly, hidden to {@code 2^-(40 - t)} at {@code 2^(20 + t)}; one far beyond
     * is refused (see {@link NarrowOpening}): a run whose gradients reach 2^20 has diverged.
     */
    static int gradientRangeBits(FixedPoint fp) {
        return Math.min(NarrowOpening.RANGE_BITS, fp.fractionalBits() + GRADIENT_HEADROOM_BITS);
    }

    /** One party's model of {@code network} for inputs of shape {@code input}. */
    public static SecureModel create(Network network, Shape input, SecureSetup setup, Sgd sgd) {
        return create(network, input, setup, sgd, 1);
    }

    /**
     * As {@link #create(Network, Shape, SecureSetup, Sgd)}, each step's batch split into
     * {@code microBatches} equal micro-batches whose protocol rounds interleave (see
     * {@link ComputeParty#inLanes}): one round trip carries every micro-batch's message of a
     * round, and the parties compute one micro-batch while another's messages travel. The
     * step's result is the unsplit batch's bit for bit: the micro-batches use the whole batch's
     * plan and dealer material, each its rows (see {@link MicroBatch}), and their weight
     * gradients are added before the one truncation. The first opens the weights and the others
     * take its opening, so P0 and P1 send what they send for the unsplit batch. With the range
     * check, each micro-batch keeps its rows' checked tensors and the whole batch's are checked
     * once after them. Every layer must be row-local (see {@link SecureLayer}); a micro-batch's
     * plan entry that is neither the whole batch's nor its rows is refused when the model is made.
     */
    public static SecureModel create(Network network, Shape input, SecureSetup setup, Sgd sgd, int microBatches) {
        return new SecureModel(network, input, setup, sgd, false, microBatches);
    }

    /**
     * One party's model of a split network's {@link Network#top()} on activations of shape
     * {@code cut}: each step also yields the gradient at the cut ({@link #cutGradient()}), for the
     * data holder whose batch it was.
     */
    public static SecureModel createTop(Network network, Shape cut, SecureSetup setup, Sgd sgd) {
        return new SecureModel(network.top(), cut, setup, sgd, true, 1);
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

    /** Share of the logits, for a model whose batch is one micro-batch. */
    public Ring128Tensor forward(ComputeParty party, Ring128Tensor input) {
        if (lanes.size() > 1) {
            throw new IllegalStateException("a model of " + lanes.size() + " micro-batches runs forward only in trainStep");
        }
        return lanes.get(0).stack.forward(party, input);
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
        List<java.util.function.Supplier<Lane.Result>> work = new ArrayList<>();
        for (int k = 0; k < lanes.size(); k++) {
            Lane lane = lanes.get(k);
            lane.takeParameters(whole);
            Ring128Tensor x = rows(input, k);
            Ring128Tensor y = rows(targets, k);
            work.add(() -> lane.step(party, x, y, inputGradient));
        }
        List<Lane.Result> results = party.inLanes(work, split);
        if (whole.rangeCheck != null) { // at the end of the step, of the whole batch: one bit to P0
            if (split != null) {
                whole.rangeCheck.join(lanes.stream().map(l -> l.rangeCheck).toList(), split);
            }
            try (TrafficCounter.Scope s = party.transport().traffic().scope(RANGE_CHECK_SCOPE)) {
                whole.rangeCheck.finishStep(party);
            }
        }
        List<Param> params = whole.stack.params();
        if (lanes.get(0) != whole) { // a summed product's part is whole in one micro-batch and zero in the others
            List<List<Param>> theirs = lanes.stream().map(l -> l.stack.params()).toList();
            for (int j = 0; j < params.size(); j++) {
                Ring128Tensor sum = theirs.get(0).get(j).gradient;
                for (int k = 1; k < theirs.size(); k++) {
                    sum = sum.add(theirs.get(k).get(j).gradient);
                }
                params.get(j).gradient = sum;
            }
        }
        lastInputGradient = inputGradient ? joined(results.stream().map(Lane.Result::inputGradient).toList()) : null;
        for (Param p : params) {
            sgd.update(party, p, rateFactor);
        }
        return joined(results.stream().map(Lane.Result::logits).toList());
    }

    /** Micro-batch k's rows of a batch-major tensor. */
    private Ring128Tensor rows(Ring128Tensor batch, int k) {
        int[] dims = batch.shape().dims().clone();
        dims[0] /= lanes.size();
        Shape shape = Shape.of(dims);
        return lanes.size() == 1 ? batch : batch.slice(k * shape.size(), shape);
    }

    /** The micro-batches' rows one after another: the batch's tensor. */
    private static Ring128Tensor joined(List<Ring128Tensor> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        int[] dims = parts.get(0).shape().dims().clone();
        dims[0] *= parts.size();
        return Ring128Tensor.concat(parts).reshape(Shape.of(dims));
    }

    /**
     * With the range check on ({@link SecureSetup#withRangeCheck}), at P0: whether an activation
     * of the last step lay outside its comparison range or polynomial interval. False at P1 and
     * when the check is off.
     */
    public boolean rangeExceeded() {
        return whole.rangeCheck != null && whole.rangeCheck.exceeded();
    }

    /** The loss value this party was deliberately shown for the last step (see the loss), or NaN. */
    public double revealedLoss() {
        return lanes.stream().mapToDouble(l -> l.loss.revealedLoss()).sum(); // each is its rows' part of the batch's
    }

    /** Every parameter, layer by layer. */
    public List<Param> params() {
        return whole.stack.params();
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

    /** One micro-batch's layers, loss and range check, and its step. */
    private static final class Lane {
        final SecureLayers stack;
        final List<SecureLayer> secure;
        final Loss.Secure loss;
        final RangeCheck rangeCheck; // null when off
        final int gradientRange;

        Lane(List<Layer> layers, Shape input, int batch, SecureSetup setup, Loss lossFunction) {
            this.gradientRange = gradientRangeBits(setup.fp());
            this.stack = new SecureLayers(layers, input, setup);
            this.secure = stack.layers();
            this.loss = lossFunction.secure(stack.output(), batch, setup);
            this.rangeCheck = setup.rangeCheck();
        }

        /** The micro-batch's logits and, for a split network's top, the gradient at its input. */
        record Result(Ring128Tensor logits, Ring128Tensor inputGradient) {
        }

        /**
         * Declares the step's plan entries: every layer's forward pass in order, the loss, every
         * layer's backward pass in reverse order (masks of {@link #gradientRangeBits}), then with {@code verdict} the range check's
         * comparisons and verdict.
         */
        void declare(Plan.Builder b, boolean inputGradient, boolean verdict) {
            for (SecureLayer layer : secure) {
                layer.declareForward(b);
            }
            loss.declare(b);
            b.narrowMasks(gradientRange);
            Mask arriving = null; // the gradient handed down already opened, if it is
            for (int i = secure.size() - 1; i >= 0; i--) {
                SecureLayer layer = secure.get(i);
                layer.declareBackward(b, i > 0 || inputGradient, layer.opensOutputGradient() ? arriving : null,
                        i > 0 && secure.get(i - 1).opensOutputGradient());
                arriving = layer.openedInputGradient();
            }
            if (rangeCheck != null && verdict) {
                rangeCheck.declareVerdict(b);
            }
        }

        /** The whole batch's parameter shares in this lane's layers, before a step. */
        void takeParameters(Lane first) {
            if (first == this) {
                return;
            }
            List<Param> mine = stack.params();
            List<Param> theirs = first.stack.params();
            for (int j = 0; j < mine.size(); j++) {
                mine.get(j).value = theirs.get(j).value;
            }
        }

        /**
         * Forward (the range check keeping what it checks), loss gradient and backward on this
         * micro-batch; each layer's gradients left in its parameters.
         */
        Result step(ComputeParty party, Ring128Tensor input, Ring128Tensor targets, boolean inputGradient) {
            TrafficCounter t = party.transport().traffic();
            List<String> scopes = stack.scopes();
            Ring128Tensor logits = stack.forward(party, input);
            Ring128Tensor delta;
            try (TrafficCounter.Scope s = t.scope(LOSS_SCOPE)) {
                delta = loss.gradient(party, logits, targets);
            }
            for (int i = secure.size() - 1; i >= 0; i--) {
                try (TrafficCounter.Scope s = t.scope(backwardScope(scopes.get(i)))) {
                    delta = secure.get(i).backward(party, delta, i > 0 || inputGradient);
                }
            }
            return new Result(logits, inputGradient ? delta : null);
        }
    }
}
