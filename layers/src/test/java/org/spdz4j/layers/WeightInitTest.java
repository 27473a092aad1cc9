package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.Shape;

/** Initial weights: He's scale follows each layer's fan-in; both schemes are reproducible from the seed. */
class WeightInitTest {
    private static final Network NET = Network.builder().addConv2d(1, 64, 3, 1, 1).addFlatten().addDense(64 * 8 * 8, 100)
            .loss(SoftmaxCrossEntropy.DEFAULT).build();

    private static List<double[]> weights(WeightInit w, long seed) {
        return FloatModel.create(NET, Shape.of(1, 1, 8, 8), w.initializer(seed), new Sgd(0, 0, 0)).paramValues();
    }

    private static double sd(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x * x;
        }
        return Math.sqrt(s / v.length);
    }

    @Test
    void heDrawsEachLayerWithTwoOverItsFanIn() {
        List<double[]> he = weights(WeightInit.HE, 4);
        assertEquals(Math.sqrt(2.0 / 9), sd(he.get(0)), 0.05 * Math.sqrt(2.0 / 9), "conv 3x3 over one channel: fan-in 9");
        assertEquals(Math.sqrt(2.0 / 4096), sd(he.get(1)), 0.02 * Math.sqrt(2.0 / 4096), "dense: fan-in 4096");
        List<double[]> normal = weights(WeightInit.normal(0.05), 4);
        assertEquals(0.05, sd(normal.get(1)), 0.001);
        assertArrayEquals(he.get(1), weights(WeightInit.parse("he"), 4).get(1), "same seed, same weights");
        assertArrayEquals(normal.get(0), weights(WeightInit.parse("0.05"), 4).get(0));
    }

    @Test
    void badSpecificationsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> WeightInit.parse("xavier"));
        assertThrows(IllegalArgumentException.class, () -> WeightInit.normal(-1));
        assertThrows(IllegalArgumentException.class, () -> WeightInit.normal(Double.NaN));
    }
}
