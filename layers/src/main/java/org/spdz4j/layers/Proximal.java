package org.spdz4j.layers;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * FedProx's local objective (Li et al. 2020): the loss plus {@code mu/2 ||w - w_global||^2}, so
 * each step adds {@code mu (w - w_global)} to the gradient before the wrapped optimizer moves the
 * parameter; {@code w_global} is what {@link #anchor} saw (the round's global model). For non-IID
 * clients, it keeps local models near the global one.
 *
 * <pre>{@code
 * Proximal prox = new Proximal(new Sgd(0.05, 0, 0), 0.01);
 * FloatModel local = FloatModel.create(network, shape, init, prox);
 * local.load(global);
 * prox.anchor(local.params());
 * }</pre>
 */
public final class Proximal implements FloatOptimizer {
    private final FloatOptimizer inner;
    private final double mu;
    private final Map<FloatParam, double[]> anchors = new IdentityHashMap<>();

    public Proximal(FloatOptimizer inner, double mu) {
        if (!(mu >= 0)) {
            throw new IllegalArgumentException("the proximal weight mu must be >= 0, got " + mu);
        }
        this.inner = inner;
        this.mu = mu;
    }

    /** Takes the current values of {@code params} as the global model the proximal term pulls towards. */
    public void anchor(List<FloatParam> params) {
        anchors.clear();
        for (FloatParam p : params) {
            anchors.put(p, p.value.clone());
        }
    }

    @Override
    public void update(FloatParam p, double rateFactor) {
        double[] w0 = anchors.get(p);
        if (w0 == null) {
            throw new IllegalStateException("FedProx: parameter " + p.name() + " has no anchor (call anchor first)");
        }
        for (int i = 0; i < p.value.length; i++) {
            p.gradient[i] += mu * (p.value[i] - w0[i]);
        }
        inner.update(p, rateFactor);
    }
}
