package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;

/** The plaintext-only layers and Adam: gradients against finite differences, Adam against its formula. */
class FloatStackTest {
    private static double[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = r.nextGaussian() * 1.5 + 0.3;
        }
        return v;
    }

    /** sum(w * forward(x)) in training mode. */
    private static double objective(FloatLayer l, Shape s, double[] x, double[] w) {
        l.training(true);
        double[] y = l.forward(new FloatTensor(s, x.clone())).values();
        double sum = 0;
        for (int i = 0; i < y.length; i++) {
            sum += w[i] * y[i];
        }
        return sum;
    }

    @Test
    void batchNormBackwardMatchesFiniteDifferencesAndInferenceUsesTheRunningStatistics() {
        Shape s = Shape.of(3, 2, 2, 3);
        FloatLayer bn = new BatchNorm2d(2).twin(s, new Initializer(1, 0.1));
        List<FloatParam> params = bn.params();
        params.get(0).value[1] = 1.7; // gamma
        params.get(1).value[0] = -0.4; // beta
        double[] x = random(s.size(), 1);
        double[] w = random(s.size(), 2);
        objective(bn, s, x, w);
        double[] dx = bn.backward(new FloatTensor(s, w)).values();
        double h = 1e-6;
        for (int i = 0; i < x.length; i++) {
            double[] up = x.clone();
            double[] down = x.clone();
            up[i] += h;
            down[i] -= h;
            double numeric = (objective(bn, s, up, w) - objective(bn, s, down, w)) / (2 * h);
            assertEquals(numeric, dx[i], 1e-6, "d/dx " + i);
        }
        for (int p = 0; p < 2; p++) { // gamma, beta
            for (int c = 0; c < 2; c++) {
                double[] g = params.get(p).gradient.clone();
                double keep = params.get(p).value[c];
                params.get(p).value[c] = keep + h;
                double up = objective(bn, s, x, w);
                params.get(p).value[c] = keep - h;
                double down = objective(bn, s, x, w);
                params.get(p).value[c] = keep;
                assertEquals((up - down) / (2 * h), g[c], 1e-6, params.get(p).name() + " " + c);
            }
        }
        assertTrue(!params.get(2).trainable() && !params.get(3).trainable(), "running statistics are state");
        // inference: (x - running mean) / sqrt(running var + eps) * gamma + beta
        bn.training(false);
        double[] y = bn.forward(new FloatTensor(s, x)).values();
        int at = (1 * 2 + 1) * 6 + 4; // n=1, c=1, element 4
        double expected = (x[at] - params.get(2).value[1]) / Math.sqrt(params.get(3).value[1] + BatchNorm2d.EPSILON) * 1.7;
        assertEquals(expected, y[at], 1e-12);
    }

    @Test
    void dropoutDropsAtItsRateScalesTheRestAndPassesEverythingInInference() {
        Shape s = Shape.of(100, 100);
        FloatLayer d = new Dropout(0.25).twin(s, new Initializer(3, 0.1));
        double[] x = random(s.size(), 4);
        d.training(true);
        double[] y = d.forward(new FloatTensor(s, x)).values();
        double[] g = d.backward(new FloatTensor(s, x)).values();
        int dropped = 0;
        for (int i = 0; i < x.length; i++) {
            if (y[i] == 0) {
                dropped++;
                assertEquals(0, g[i], 0.0);
            } else {
                assertEquals(x[i] / 0.75, y[i], 1e-12);
                assertEquals(x[i] / 0.75, g[i], 1e-12, "the gradient takes the forward's pattern");
            }
        }
        assertEquals(2500, dropped, 200);
        d.training(false);
        FloatTensor in = new FloatTensor(s, x);
        assertSame(in, d.forward(in));
    }

    @Test
    void adamFollowsItsFormulaStepByStep() {
        FloatParam p = new FloatParam("w", new double[]{1.0, -2.0});
        Adam adam = new Adam(0.1);
        double[][] gradients = {{0.5, -3.0}, {-1.0, 0.25}, {0.2, 0.2}};
        double[] m = new double[2];
        double[] v = new double[2];
        double[] expected = {1.0, -2.0};
        for (int t = 1; t <= gradients.length; t++) {
            System.arraycopy(gradients[t - 1], 0, p.gradient, 0, 2);
            adam.update(p, 1);
            for (int i = 0; i < 2; i++) {
                double gi = gradients[t - 1][i];
                m[i] = 0.9 * m[i] + 0.1 * gi;
                v[i] = 0.999 * v[i] + 0.001 * gi * gi;
                expected[i] -= 0.1 * (m[i] / (1 - Math.pow(0.9, t))) / (Math.sqrt(v[i] / (1 - Math.pow(0.999, t))) + 1e-8);
                assertEquals(expected[i], p.value[i], 1e-15, "step " + t + " element " + i);
            }
        }
    }

    @Test
    void fedProxAddsMuTimesTheDistanceToTheAnchorBeforeTheInnerStep() {
        FloatParam p = new FloatParam("w", new double[]{1.0, -2.0});
        Proximal prox = new Proximal(new Sgd(0.1, 0, 0), 0.5);
        prox.anchor(List.of(p));
        p.value[0] = 3.0; // moved away from the anchor 1.0
        p.gradient[0] = 0.2;
        p.gradient[1] = -0.4;
        prox.update(p, 1);
        assertEquals(3.0 - 0.1 * (0.2 + 0.5 * (3.0 - 1.0)), p.value[0], 1e-15);
        assertEquals(-2.0 - 0.1 * -0.4, p.value[1], 1e-15, "at the anchor the term is 0");
        assertThrows(IllegalStateException.class, () -> new Proximal(new Sgd(0.1, 0, 0), 0.5).update(p, 1));
    }

    @Test
    void plaintextOnlyLayersAreRefusedOnShares() {
        SecureSetup setup = new SecureSetup(Role.P0, Mode.OPTIMIZED, FixedPoint.DEFAULT, new Initializer(1, 0.1));
        UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
                () -> new Dropout(0.5).secure(Shape.of(2, 3), setup));
        assertTrue(e.getMessage().contains("runs only in plaintext training"), e.getMessage());
        assertThrows(UnsupportedOperationException.class, () -> new BatchNorm2d(2).secure(Shape.of(1, 2, 2, 2), setup));
        assertThrows(IllegalArgumentException.class, () -> new Dropout(1.0));
        Network net = Network.builder().addConv2d(1, 2, 3, 1, 1).addBatchNorm2d(2).addRelu().addDropout(0.25).addFlatten()
                .addDense(8, 10).build();
        assertEquals(net.describe(), NetworkDescription.parse(net.describe()).describe());
    }
}
