package org.spdz4j.layers;

import java.util.List;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.triples.Plan;

/**
 * One compute party's network on shares for prediction only: the forward pass of a batch and the
 * secure argmax of its logits, nothing else. Its plan (one step = one batch) declares the layers'
 * forward masks and products and the argmax's comparisons; no backward pass, no loss. The
 * parameters are this party's shares of a model that is never revealed ({@link #load}).
 *
 * <pre>{@code
 * SecureClassifier c = SecureClassifier.create(network, network.batchShape(100), role);
 * c.load(sharedModel.shares());                          // this party's shares, from its file
 * party.beginStep(step, randomness.forStep(step));
 * Ring128Tensor classes = c.classes(party, imagesShare); // shares of each image's class number
 * }</pre>
 */
public final class SecureClassifier {
    /** Traffic scope of the argmax. */
    public static final String ARGMAX_SCOPE = "argmax";
    /** Traffic scope of the class probabilities. */
    public static final String PROBABILITIES_SCOPE = "probabilities";

    /**
     * Batches of at most this many inputs run each max pool and the ReLU after it as one
     * ({@link SecureLayers#forInference}, {@link PoolRelu}): by a tournament 3 rounds fewer a pair
     * (25 a batch of the narrow network instead of 31) for a comparison more per pooled value
     * (about 40% more online bytes and 25% more of the dealer's), by all pairs at once 7 fewer
     * (17 a batch). A small batch waits on round trips, a large one on bytes and compute. Every
     * batch runs a ReLU before a max pool after it (the same values, a quarter of its comparisons
     * for a 2x2 pool).
     */
    public static final int FUSED_UP_TO = 8;

    /**
     * How a batch of up to {@value #FUSED_UP_TO} inputs runs each max pool and the ReLU after it
     * as one ({@link MaxPool2d#secureWithRelu}); larger batches run them apart.
     */
    public enum PoolRelu {
        /** A tournament whose last level is the ReLU's comparison too: 9 rounds for a 2x2 pool and its ReLU. */
        TOURNAMENT,
        /**
         * Every pair of a 2x2 window and every position compared at once: 5 rounds, for about
         * 1.8 times the online bytes and the dealer's of the tournament (the narrow network, a
         * lone input: 2.5 MB each way instead of 1.4); other windows keep the tournament.
         */
        ALL_PAIRS
    }

    private final Network network;
    private final SecureLayers stack;
    private final SecureArgmax argmax;
    private final Loss.Secure softmax; // null unless the plan gives probabilities
    private final Plan plan;

    private SecureClassifier(Network network, Shape input, SecureSetup setup, boolean probabilities, PoolRelu poolRelu) {
        network.requireComputableOnShares("private prediction");
        this.network = network;
        this.stack = SecureLayers.forInference(network.layersFor(setup.mode()), input, setup,
                input.dim(0) <= FUSED_UP_TO ? poolRelu : null);
        Shape s = stack.output();
        this.argmax = new SecureArgmax(s, Relu.DEFAULT_BITS);
        if (probabilities && !(network.loss() instanceof SoftmaxCrossEntropy)) {
            throw new IllegalArgumentException("class probabilities need a softmax loss, not " + network.loss().describe());
        }
        this.softmax = probabilities ? network.loss().secure(s, setup) : null;
        Plan.Builder b = SecureModel.planBuilder("spdz4j predict " + setup.mode() + " input=" + input + " f="
                + setup.fp().fractionalBits() + " " + network.describe() + (probabilities ? " probabilities" : ""));
        stack.declareForward(b);
        argmax.declareOneHot(b);
        if (softmax != null) {
            softmax.declare(b);
        }
        this.plan = b.build();
    }

    /** Shares of a batch's answers: each input's class number, and with probabilities the softmax of its logits. */
    public record Answers(Ring128Tensor classes, Ring128Tensor probabilities) {
    }

    /**
     * {@code role}'s classifier of {@code network} for batches of shape {@code input} (e.g.
     * {@code network.batchShape(100)}), in the optimized mode and the default fixed-point format;
     * its parameters are zero until {@link #load}.
     */
    public static SecureClassifier create(Network network, Shape input, org.spdz4j.core.transport.Role role) {
        return create(network, input, role, false);
    }

    /**
     * As {@link #create(Network, Shape, org.spdz4j.core.transport.Role)}; with {@code probabilities}
     * the plan also computes each input's class probabilities (the softmax of the network's loss,
     * with its approximations: 20 more rounds a batch for 10 classes, the argmax's riding with them).
     */
    public static SecureClassifier create(Network network, Shape input, org.spdz4j.core.transport.Role role,
                                          boolean probabilities) {
        return create(network, input, role, probabilities, PoolRelu.TOURNAMENT);
    }

    /**
     * As {@link #create(Network, Shape, org.spdz4j.core.transport.Role, boolean)}, a batch of up
     * to {@value #FUSED_UP_TO} inputs running each max pool and its ReLU as {@code poolRelu} says.
     */
    public static SecureClassifier create(Network network, Shape input, org.spdz4j.core.transport.Role role,
                                          boolean probabilities, PoolRelu poolRelu) {
        return new SecureClassifier(network, input, new SecureSetup(role, Mode.OPTIMIZED,
                org.spdz4j.core.fixed.FixedPoint.DEFAULT, new Initializer(0, 0)), probabilities,
                java.util.Objects.requireNonNull(poolRelu, "poolRelu"));
    }

    /** The plan of one batch: both parties and the dealer derive it from the network and the batch shape. */
    public Plan plan() {
        return plan;
    }

    /** Every parameter, layer by layer (per layer: weight, then bias), as the model files list them. */
    public List<Param> params() {
        return stack.params();
    }

    /** Sets this party's share of every parameter, in {@link #params()} order; refuses another count or shape. */
    public void load(List<Ring128Tensor> shares) {
        List<Param> params = params();
        if (shares.size() != params.size()) {
            throw new IllegalArgumentException("the network " + network.describe() + " has " + params.size()
                    + " parameter tensors, the shares " + shares.size());
        }
        for (int i = 0; i < params.size(); i++) {
            Param p = params.get(i);
            if (shares.get(i).size() != p.shape().size()) {
                throw new IllegalArgumentException("parameter " + i + " (" + p.name() + ") of " + network.describe() + " has "
                        + p.shape().size() + " values, the share " + shares.get(i).size());
            }
            p.set(shares.get(i).reshape(p.shape()));
        }
    }

    /**
     * This party's share of each input's class number (0 .. classes - 1, an integer in the ring),
     * shape (N): the forward pass, then the secure argmax of the logits (ties to the lower class).
     * The party must have begun the step.
     */
    public Ring128Tensor classes(ComputeParty party, Ring128Tensor input) {
        return answer(party, input).classes();
    }

    /**
     * As {@link #classes}, with this party's share of each input's class probabilities (N, C) in
     * fixed point when the plan gives them (else null).
     */
    public Answers answer(ComputeParty party, Ring128Tensor input) {
        TrafficCounter t = party.transport().traffic();
        Ring128Tensor x = stack.forward(party, input);
        java.util.function.Supplier<Ring128Tensor> classes = () -> {
            try (TrafficCounter.Scope s = t.scope(ARGMAX_SCOPE)) {
                return argmax.classIndex(party, x);
            }
        };
        if (softmax == null) {
            return new Answers(classes.get(), null);
        }
        // the argmax and the softmax do not depend on each other: as two lanes taking turns at every
        // message, the argmax's rounds ride with the softmax's (counted as the softmax's, lane 0)
        List<Ring128Tensor> both = party.inLanes(List.of(() -> {
            try (TrafficCounter.Scope s = t.scope(PROBABILITIES_SCOPE)) {
                return softmax.probabilities(party, x);
            }
        }, classes));
        return new Answers(both.get(1), both.get(0));
    }

    /** Scope names of the traffic counter, one per layer (see {@link SecureModel#forwardScope}), then {@link #ARGMAX_SCOPE}. */
    public List<String> layerScopes() {
        return stack.scopes();
    }

    /** The network this classifier runs. */
    public Network network() {
        return network;
    }
}
