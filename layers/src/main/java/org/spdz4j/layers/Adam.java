package org.spdz4j.layers;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * Adam (Kingma and Ba 2015) for float models: per parameter, running means of the gradient and
 * of its square, bias-corrected; each parameter's state lives in this optimizer (one optimizer
 * per model).
 *
 * <pre>{@code
 * FloatModel m = FloatModel.create(network, shape, init, new Adam(0.001));
 * }</pre>
 */
public final class Adam implements FloatOptimizer {
    private final double learningRate;
    private final double beta1;
    private final double beta2;
    private final double epsilon;
    private final Map<FloatParam, State> states = new IdentityHashMap<>();

    private static final class State {
        final double[] m;
        final double[] v;
        int t;

        State(int n) {
            m = new double[n];
            v = new double[n];
        }
    }

    /** Adam with the usual beta1 0.9, beta2 0.999, epsilon 1e-8. */
    public Adam(double learningRate) {
        this(learningRate, 0.9, 0.999, 1e-8);
    }

    public Adam(double learningRate, double beta1, double beta2, double epsilon) {
        if (!(learningRate > 0) || !(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(epsilon > 0)) {
            throw new IllegalArgumentException("Adam needs lr > 0, 0 <= beta1, beta2 < 1 and epsilon > 0, got lr " + learningRate
                    + ", betas " + beta1 + ", " + beta2 + ", epsilon " + epsilon);
        }
        this.learningRate = learningRate;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
    }

    @Override
    public void update(FloatParam p, double rateFactor) {
        double rate = learningRate * rateFactor;
        State s = states.computeIfAbsent(p, q -> new State(q.value.length));
        s.t++;
        double c1 = 1 - Math.pow(beta1, s.t);
        double c2 = 1 - Math.pow(beta2, s.t);
        for (int i = 0; i < p.value.length; i++) {
            double g = p.gradient[i];
            s.m[i] = beta1 * s.m[i] + (1 - beta1) * g;
            s.v[i] = beta2 * s.v[i] + (1 - beta2) * g * g;
            p.value[i] -= rate * (s.m[i] / c1) / (Math.sqrt(s.v[i] / c2) + epsilon);
        }
    }

    @Override
    public String toString() {
        return "adam(lr=" + learningRate + ",b1=" + beta1 + ",b2=" + beta2 + ",eps=" + epsilon + ")";
    }
}
