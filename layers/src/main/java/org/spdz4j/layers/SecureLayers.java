package org.spdz4j.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.triples.Plan;

/**
 * A network's layers on shares for one party, in order, each with its traffic scope
 * ({@code "<index> <layer>"}): what a training model ({@link SecureModel}) and a classifier
 * ({@link SecureClassifier}) both run forward.
 */
final class SecureLayers {
    /** A layer whose work the layer before it did (see {@link #forInference}): forward only, its input as it is. */
    private static final SecureLayer PASSED_ON = new SecureLayer() {
        @Override
        public Ring128Tensor forward(ComputeParty party, Ring128Tensor input) {
            return input;
        }

        @Override
        public Ring128Tensor backward(ComputeParty party, Ring128Tensor outputGradient, boolean inputGradient) {
            throw new UnsupportedOperationException("a layer fused into the one before it runs forward only (prediction)");
        }
    };

    private final List<SecureLayer> secure = new ArrayList<>();
    private final List<String> scopes = new ArrayList<>();
    private final Shape output;

    /** {@code layers} on shares for inputs of shape {@code input}, their parameters as {@code setup} starts them. */
    SecureLayers(List<Layer> layers, Shape input, SecureSetup setup) {
        this(layers, input, setup, null);
    }

    private SecureLayers(List<Layer> layers, Shape input, SecureSetup setup, SecureClassifier.PoolRelu fusePoolRelu) {
        Shape s = input;
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            if (fusePoolRelu != null && poolThenRelu(layers, i)) {
                Relu relu = (Relu) layers.get(i + 1);
                // the pool does the ReLU too, in fewer rounds
                secure.add(((MaxPool2d) l).secureWithRelu(s, relu, fusePoolRelu == SecureClassifier.PoolRelu.ALL_PAIRS));
                scopes.add(i + " " + l.describe());
                s = l.outputShape(s);
                secure.add(PASSED_ON);
                scopes.add((i + 1) + " " + relu.describe());
                i++;
                continue;
            }
            secure.add(l.secure(s, setup));
            scopes.add(i + " " + l.describe());
            s = l.outputShape(s);
        }
        this.output = s;
    }

    /**
     * As {@link #SecureLayers(List, Shape, SecureSetup)} for the forward pass alone (prediction),
     * with the same outputs bit for bit (within the comparisons' range) and no backward pass. A
     * ReLU followed by a max pool of the same width runs after it instead
     * ({@code max(relu(x)) = relu(max(x))}: a quarter of the ReLU's comparisons for a 2x2 pool).
     * With {@code fusePoolRelu} (null: apart) a max pool followed by a ReLU of its width runs both
     * as one ({@link MaxPool2d#secureWithRelu}: a tournament whose last level is the ReLU's
     * comparison too, or all pairs compared at once: fewer rounds, more comparisons per pooled
     * value); the ReLU's own layer then passes its input on. Not where the range check is on.
     */
    static SecureLayers forInference(List<Layer> layers, Shape input, SecureSetup setup,
                                     SecureClassifier.PoolRelu fusePoolRelu) {
        if (setup.rangeCheck() != null) {
            return new SecureLayers(layers, input, setup);
        }
        List<Layer> order = new ArrayList<>(layers);
        for (int i = 0; i + 1 < order.size(); i++) {
            if (order.get(i) instanceof Relu && order.get(i + 1) instanceof MaxPool2d) {
                Collections.swap(order, i, i + 1);
                if (poolThenRelu(order, i)) {
                    i++;
                } else {
                    Collections.swap(order, i, i + 1); // of two widths: as they were
                }
            }
        }
        return new SecureLayers(order, input, setup, fusePoolRelu);
    }

    /** Whether {@code layers} has a max pool at {@code i} and a ReLU of its width after it. */
    private static boolean poolThenRelu(List<Layer> layers, int i) {
        return i + 1 < layers.size() && layers.get(i) instanceof MaxPool2d pool && layers.get(i + 1) instanceof Relu relu
                && relu.bits() == pool.bits();
    }

    /** The layers, in order. */
    List<SecureLayer> layers() {
        return secure;
    }

    /** Each layer's traffic scope name. */
    List<String> scopes() {
        return scopes;
    }

    /** The shape of the last layer's output. */
    Shape output() {
        return output;
    }

    /** Declares every layer's forward pass, in order. */
    void declareForward(Plan.Builder plan) {
        for (SecureLayer l : secure) {
            l.declareForward(plan);
        }
    }

    /** This party's share of the last layer's output, each layer's traffic counted in its forward scope. */
    Ring128Tensor forward(ComputeParty party, Ring128Tensor input) {
        TrafficCounter t = party.transport().traffic();
        Ring128Tensor x = input;
        for (int i = 0; i < secure.size(); i++) {
            try (TrafficCounter.Scope s = t.scope(SecureModel.forwardScope(scopes.get(i)))) {
                x = secure.get(i).forward(party, x);
            }
        }
        return x;
    }

    /** Every parameter, layer by layer. */
    List<Param> params() {
        List<Param> out = new ArrayList<>();
        for (SecureLayer l : secure) {
            out.addAll(l.params());
        }
        return out;
    }
}
