package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.triples.LocalComputation;

/**
 * A split network's top trained on shares: the gradient at the cut (what the data holder gets
 * back) and the updated top equal the float top's, step after step.
 */
class SecureTopTest {
    private static final FixedPoint FP = FixedPoint.DEFAULT;
    private static final Network NET = Network.builder().addFlatten().addSplit()
            .addDense(16, 8).addRelu().addDense(8, 10).loss(SoftmaxCrossEntropy.DEFAULT).build();
    private static final Shape CUT = Shape.of(4, 16);
    private static final int STEPS = 3;

    @Test
    void cutGradientAndUpdatedTopMatchTheFloatTop() {
        Sgd sgd = new Sgd(0.1, 0.9, 0);
        SplittableRandom r = new SplittableRandom(5);
        List<double[]> activations = new ArrayList<>();
        List<double[]> labels = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            double[] a = new double[CUT.size()];
            double[] y = new double[40];
            for (int i = 0; i < a.length; i++) {
                a[i] = r.nextGaussian();
            }
            for (int i = 0; i < 4; i++) {
                y[i * 10 + r.nextInt(10)] = 1;
            }
            activations.add(a);
            labels.add(y);
        }
        LocalComputation.Result<List<double[]>> run = TopTrainingCheck.trainBoth(NET, CUT, Shape.of(4, 10), activations,
                labels, () -> new Initializer(9, 0.3), sgd);
        assertEquals(STEPS, run.p1().size(), "P1 saw its openings of the cut gradient, no parameter");
        assertThrows(IllegalStateException.class, () -> SecureModel.create(NET.top(), CUT,
                new SecureSetup(Role.P0, Mode.OPTIMIZED, FP, new Initializer(9, 0.3)), sgd).cutGradient());
    }
}
