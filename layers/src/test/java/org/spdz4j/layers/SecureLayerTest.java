package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.Polynomial;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.triples.LocalComputation;
import org.spdz4j.triples.Plan;

/** Each layer's secure forward and backward, reconstructed, against its float twin. */
class SecureLayerTest {
    private static final FixedPoint FP = FixedPoint.DEFAULT;

    static Stream<Arguments> layers() {
        List<Arguments> out = new ArrayList<>();
        for (Mode mode : Mode.values()) {
            out.add(Arguments.of(new Conv2d(2, 3, 3, 1, 1, 1), Shape.of(2, 2, 6, 6), mode));
            out.add(Arguments.of(new Conv2d(2, 3, 3, 2, 0, 1), Shape.of(2, 2, 7, 7), mode));
            out.add(Arguments.of(new Conv2d(3, 4, 3, 1, 1, 1), Shape.of(2, 3, 8, 8), mode));   // RGB in
            out.add(Arguments.of(new Conv2d(3, 4, 3, 1, 1, 1, true), Shape.of(2, 3, 6, 6), mode));   // with a bias
            out.add(Arguments.of(new MaxPool2d(2, Relu.DEFAULT_BITS), Shape.of(2, 3, 8, 8), mode));
            out.add(Arguments.of(new AvgPool2d(2), Shape.of(2, 3, 4, 4), mode));
            out.add(Arguments.of(new PolyRelu(2, 2.0), Shape.of(3, 50), mode));
            out.add(Arguments.of(new PolyRelu(4, 3.0), Shape.of(3, 50), mode));
            out.add(Arguments.of(new Relu(Relu.DEFAULT_BITS), Shape.of(3, 50), mode));
            out.add(Arguments.of(new MaxPool2d(2, Relu.DEFAULT_BITS), Shape.of(2, 3, 4, 4), mode));
            out.add(Arguments.of(new MaxPool2d(3, Relu.DEFAULT_BITS), Shape.of(1, 2, 6, 6), mode));
            out.add(Arguments.of(new MaxPool2d(2, Relu.DEFAULT_BITS), Shape.of(2, 2, 5, 5), mode));
            out.add(Arguments.of(new Dense(12, 5), Shape.of(4, 12), mode));
            out.add(Arguments.of(new Flatten(), Shape.of(2, 3, 2, 2), mode));
        }
        out.add(Arguments.of(new Conv2d(2, 3, 3, 1, 1, 2), Shape.of(2, 2, 6, 6), Mode.OPTIMIZED));
        out.add(Arguments.of(new Conv2d(2, 3, 3, 1, 1, 2, true), Shape.of(2, 2, 6, 6), Mode.OPTIMIZED));
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("layers")
    void secureForwardAndBackwardMatchTheTwin(Layer layer, Shape inShape, Mode mode) {
        Shape outShape = layer.outputShape(inShape);
        double[] x = values(inShape.size(), 1, 2.0);
        double[] dy = values(outShape.size(), 2, 0.5);
        FloatLayer twin = layer.twin(inShape, new Initializer(7, 0.3));
        FloatTensor y = twin.forward(new FloatTensor(inShape, x));
        FloatTensor dx = twin.backward(new FloatTensor(outShape, dy));

        List<SecureLayer> secure = new ArrayList<>();
        for (Role r : new Role[]{Role.P0, Role.P1}) {
            secure.add(layer.secure(inShape, new SecureSetup(r, mode, FP, new Initializer(7, 0.3))));
        }
        Plan.Builder b = Plan.builder("layer test");
        secure.get(0).declareForward(b);
        secure.get(0).declareBackward(b, true);
        Plan plan = b.build();
        // P1's layer declares too, so its entry ids are set (identical plan)
        Plan.Builder b1 = Plan.builder("layer test");
        secure.get(1).declareForward(b1);
        secure.get(1).declareBackward(b1, true);

        LocalComputation.Result<List<Ring128Tensor>> r = LocalComputation.run(plan, 1, AesCtrPrg.freshSeed(), FP,
                (party, randomness) -> {
                    SecureLayer l = secure.get(party.role().partyIndex());
                    party.beginStep(0, randomness.forStep(0));
                    Ring128Tensor xs = party.shareInput(Role.P0, FP.encode(inShape, x), inShape, 0);
                    Ring128Tensor ds = party.shareInput(Role.P1, FP.encode(outShape, dy), outShape, 1);
                    List<Ring128Tensor> opened = new ArrayList<>();
                    opened.add(party.open(l.forward(party, xs)));
                    opened.add(party.open(l.backward(party, ds, true)));
                    for (Param p : l.params()) {
                        opened.add(party.open(p.gradient));
                    }
                    return opened;
                });
        assertClose(y.values(), FP.decode(r.p0().get(0)), "forward");
        assertClose(dx.values(), FP.decode(r.p0().get(1)), "input gradient");
        List<FloatParam> twinParams = twin.params();
        for (int i = 0; i < twinParams.size(); i++) {
            assertClose(twinParams.get(i).gradient, FP.decode(r.p0().get(2 + i)), twinParams.get(i).name() + " gradient");
        }
    }

    @Test
    void maxPoolLeavesOutTheRowsAndColumnsPastTheLastWholeWindow() {
        Shape in = Shape.of(1, 1, 5, 5);
        double[] x = new double[25];
        for (int i = 0; i < 25; i++) {
            x[i] = i % 5 == 4 || i >= 20 ? 100 + i : i; // the last row and column would win every window they entered
        }
        FloatLayer pool = new MaxPool2d(2, Relu.DEFAULT_BITS).twin(in, new Initializer(0, 0));
        FloatTensor y = pool.forward(new FloatTensor(in, x));
        assertEquals(Shape.of(1, 1, 2, 2), y.shape());
        assertArrayEquals(new double[]{6, 8, 16, 18}, y.values());
        double[] dx = pool.backward(new FloatTensor(y.shape(), new double[]{1, 2, 3, 4})).values();
        double[] expected = new double[25];
        expected[6] = 1;
        expected[8] = 2;
        expected[16] = 3;
        expected[18] = 4;
        assertArrayEquals(expected, dx);
    }

    @Test
    void leastSquaresReluOnMinusTwoTwoIsTheClosedForm() {
        Polynomial p = new PolyRelu(2, 2.0).polynomial();
        assertEquals(3 * 2.0 / 32, p.coefficient(0), 1e-12);
        assertEquals(0.5, p.coefficient(1), 1e-12);
        assertEquals(15 / (32 * 2.0), p.coefficient(2), 1e-12);
        Polynomial cubic = new PolyRelu(3, 2.0).polynomial();
        assertEquals(0, cubic.coefficient(3), 1e-12, "no cubic term on a symmetric interval");
    }

    @Test
    void mseGradientMatchesTheTwin() {
        Shape s = Shape.of(6, 10);
        double[] z = values(s.size(), 4, 3.0);
        double[] y = values(s.size(), 5, 1.0);
        double[] got = secureLossGradient(new MeanSquaredError(), Mode.OPTIMIZED, s, z, y);
        assertClose(new MeanSquaredError().twin(s).gradient(new FloatTensor(s, z), new FloatTensor(s, y)).values(), got, "mse");
    }

    /** Runs a loss's secure gradient on shares of z (P0's) and y (P1's) and opens it. */
    static double[] secureLossGradient(Loss loss, Mode mode, Shape s, double[] z, double[] y) {
        return runLoss(loss, mode, s, z, y).gradient();
    }

    /** A loss's opened secure gradient and the rounds P0 took for it. */
    record LossRun(double[] gradient, long rounds) {
    }

    /** As {@link #secureLossGradient}, also counting the gradient's rounds. */
    static LossRun runLoss(Loss loss, Mode mode, Shape s, double[] z, double[] y) {
        List<Loss.Secure> secure = new ArrayList<>();
        Plan plan = null;
        for (Role role : new Role[]{Role.P0, Role.P1}) {
            Loss.Secure l = loss.secure(s, new SecureSetup(role, mode, FP, new Initializer(0, 0)));
            Plan.Builder b = Plan.builder("loss");
            l.declare(b);
            plan = b.build();
            secure.add(l);
        }
        long[] rounds = new long[1];
        LocalComputation.Result<Ring128Tensor> r = LocalComputation.run(plan, 1, AesCtrPrg.freshSeed(), FP,
                (party, randomness) -> {
                    party.beginStep(0, randomness.forStep(0));
                    Ring128Tensor zs = party.shareInput(Role.P0, FP.encode(s, z), s, 0);
                    Ring128Tensor ys = party.shareInput(Role.P1, FP.encode(s, y), s, 1);
                    Ring128Tensor g;
                    try (TrafficCounter.Scope scope = party.transport().traffic().scope("loss")) {
                        g = secure.get(party.role().partyIndex()).gradient(party, zs, ys);
                    }
                    if (party.role() == Role.P0) {
                        rounds[0] = party.transport().traffic().rounds("loss");
                    }
                    return party.open(g);
                });
        return new LossRun(FP.decode(r.p0()), rounds[0]);
    }

    @Test
    void softmaxGradientMatchesTheTwinAndTheExactSoftmax() {
        for (Mode mode : Mode.values()) {
            Shape s = Shape.of(6, 10);
            double[] z = values(s.size(), 3, 8.0);
            double[] y = new double[s.size()];
            for (int r = 0; r < 6; r++) {
                y[r * 10 + r] = 1;
            }
            SoftmaxCrossEntropy loss = SoftmaxCrossEntropy.DEFAULT;
            FloatTensor expected = loss.twin(s).gradient(new FloatTensor(s, z), new FloatTensor(s, y));
            double[] got = secureLossGradient(loss, mode, s, z, y);
            for (int i = 0; i < got.length; i++) {
                assertEquals(expected.values()[i], got[i], 2e-4, mode + " element " + i);
            }
            // the approximation itself: within 0.05 of the exact softmax gradient for |u| <= 8
            for (int row = 0; row < 6; row++) {
                double mx = Double.NEGATIVE_INFINITY, sum = 0;
                for (int j = 0; j < 10; j++) {
                    mx = Math.max(mx, z[row * 10 + j]);
                }
                for (int j = 0; j < 10; j++) {
                    sum += Math.exp(z[row * 10 + j] - mx);
                }
                for (int j = 0; j < 10; j++) {
                    double exact = (Math.exp(z[row * 10 + j] - mx) / sum - y[row * 10 + j]) / 6;
                    assertEquals(exact, got[row * 10 + j], 0.05 / 6, "approximation at row " + row);
                }
            }
        }
    }

    /** Deterministic values in [-scale, scale]. */
    static double[] values(int n, int stream, double scale) {
        Ring128Tensor r = new AesCtrPrg(new byte[16]).tensor(Shape.of(n), stream, 0);
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = ((r.lo(i) >>> 11) * 0x1.0p-53 * 2 - 1) * scale;
        }
        return v;
    }

    static void assertClose(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + " length");
        double max = 0;
        for (double e : expected) {
            max = Math.max(max, Math.abs(e));
        }
        double tol = 1e-4 * Math.max(1, max);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(Math.abs(expected[i] - actual[i]) <= tol,
                    what + " element " + i + ": expected " + expected[i] + " got " + actual[i] + " (tolerance " + tol + ")");
        }
    }
}
