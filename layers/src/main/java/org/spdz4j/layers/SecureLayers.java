package org.spdz4j.layers;

import java.util.ArrayList;
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
    private final List<SecureLayer> secure = new ArrayList<>();
    private final List<String> scopes = new ArrayList<>();
    private final Shape output;

    /** {@code layers} on shares for inputs of shape {@code input}, their parameters as {@code setup} starts them. */
    SecureLayers(List<Layer> layers, Shape input, SecureSetup setup) {
        Shape s = input;
        for (int i = 0; i < layers.size(); i++) {
            secure.add(layers.get(i).secure(s, setup));
            scopes.add(i + " " + layers.get(i).describe());
            s = layers.get(i).outputShape(s);
        }
        this.output = s;
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
