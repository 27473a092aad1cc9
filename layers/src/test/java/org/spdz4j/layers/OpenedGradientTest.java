package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.ring.Shape;

/**
 * Max pools hand the layer below their routed gradient opened through derived masks (to a
 * convolution, a ReLU, another max pool, which takes it as its own opening): training on shares
 * still equals the float network, step after step, the gradient at the input included.
 */
class OpenedGradientTest {
    private static final Network NET = Network.builder().addRelu().addSplit()
            .addConv2d(1, 2, 3, 1, 1).addMaxPool2d(3)   // 13x13 -> 4x4: 3x3 windows (an odd tournament), floor mode
            .addMaxPool2d(2)                            // hands the 3x3 pool its gradient opened
            .addRelu().addConv2d(2, 3, 3, 1, 1).addRelu()
            .addMaxPool2d(2)                            // hands a ReLU its gradient opened
            .addFlatten().addDense(3, 10).loss(SoftmaxCrossEntropy.DEFAULT).build();
    private static final Shape IN = Shape.of(2, 1, 13, 13);
    private static final int STEPS = 3;

    @Test
    void trainingWithDerivedGradientOpeningsEqualsTheFloatNetwork() {
        Sgd sgd = new Sgd(0.1, 0.9, 0);
        SplittableRandom r = new SplittableRandom(11);
        List<double[]> inputs = new ArrayList<>();
        List<double[]> labels = new ArrayList<>();
        for (int s = 0; s < STEPS; s++) {
            double[] x = new double[IN.size()];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.nextGaussian();
            }
            double[] y = new double[20];
            y[r.nextInt(10)] = 1;
            y[10 + r.nextInt(10)] = 1;
            inputs.add(x);
            labels.add(y);
        }
        long derived = TopTrainingCheck.plan(NET, IN, new Initializer(3, 0.5), sgd).entries().stream()
                .filter(e -> e instanceof PlanEntry.Mask m && m.derived()).count();
        assertTrue(derived >= 8, "the pools' routing uses derived masks: " + derived);
        TopTrainingCheck.trainBoth(NET, IN, Shape.of(2, 10), inputs, labels, () -> new Initializer(3, 0.5), sgd);
    }
}
