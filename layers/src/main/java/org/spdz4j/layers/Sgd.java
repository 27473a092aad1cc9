package org.spdz4j.layers;

import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.ring.Ring128Tensor;

/**
 * SGD with momentum and weight decay: {@code v = mu v + g + lambda w; w = w - lr v}. Linear in
 * the shares with public coefficients, so the secure update is local (three truncations).
 *
 * @param learningRate lr
 * @param momentum     mu
 * @param weightDecay  lambda
 */
public record Sgd(double learningRate, double momentum, double weightDecay) implements FloatOptimizer {

    void update(ComputeParty party, Param p, double rateFactor) {
        FixedPoint fp = party.fixedPoint();
        int f = fp.fractionalBits();
        Ring128Tensor g = p.gradient;
        if (weightDecay != 0) {
            g = g.add(party.truncate(p.value.mulScalar(fp.encode(weightDecay)), f));
        }
        Ring128Tensor v = momentum == 0 ? g : party.truncate(p.velocity.mulScalar(fp.encode(momentum)), f).add(g);
        p.velocity = v;
        p.value = p.value.sub(party.truncate(v.mulScalar(fp.encode(learningRate * rateFactor)), f));
    }

    @Override
    public void update(FloatParam p, double rateFactor) {
        double rate = learningRate * rateFactor;
        for (int i = 0; i < p.value.length; i++) {
            double g = p.gradient[i] + weightDecay * p.value[i];
            p.velocity[i] = momentum * p.velocity[i] + g;
            p.value[i] -= rate * p.velocity[i];
        }
    }
}
