package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.Shape;

class LearningRateScheduleTest {
    @Test
    void factorsStartAtOneAndFallToTheEnd() {
        for (LearningRateSchedule s : LearningRateSchedule.values()) {
            assertEquals(1.0, s.factor(0, 100), 0.0, s.toString());
            assertEquals(s, LearningRateSchedule.parse(s.toString()));
        }
        assertEquals(1.0, LearningRateSchedule.CONSTANT.factor(99, 100), 0.0);
        assertEquals(0.5, LearningRateSchedule.LINEAR.factor(50, 100), 1e-15);
        assertEquals(0.01, LearningRateSchedule.LINEAR.factor(99, 100), 1e-15);
        assertEquals(0.5, LearningRateSchedule.COSINE.factor(50, 100), 1e-15);
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 0.99)), LearningRateSchedule.COSINE.factor(99, 100), 1e-15);
        assertTrue(LearningRateSchedule.COSINE.factor(99, 100) > 0);
    }

    @Test
    void aStepOutsideTheRunAndAnUnknownNameAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.LINEAR.factor(100, 100));
        assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.LINEAR.factor(-1, 100));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LearningRateSchedule.parse("step"));
        assertTrue(e.getMessage().contains("constant, linear or cosine"), e.getMessage());
    }

    /** A float model moves by exactly lr times the factor: SGD without momentum, one dense layer. */
    @Test
    void aModelStepsByTheScaledRate() {
        Network net = Network.builder().addDense(3, 2).loss(new MeanSquaredError()).build();
        FloatTensor x = new FloatTensor(Shape.of(1, 3), new double[]{1, 2, 3});
        FloatTensor y = new FloatTensor(Shape.of(1, 2), new double[]{1, -1});
        double[] full = stepDelta(net, x, y, 1.0);
        double[] quarter = stepDelta(net, x, y, 0.25);
        for (int i = 0; i < full.length; i++) {
            assertEquals(full[i] / 4, quarter[i], 1e-12, "weight " + i);
        }
        FloatModel m = FloatModel.create(net, Shape.of(1, 3), new Initializer(1, 0.1), new Sgd(0.1, 0, 0));
        assertThrows(IllegalArgumentException.class, () -> m.learningRateFactor(0));
        assertThrows(IllegalArgumentException.class, () -> m.learningRateFactor(Double.NaN));
    }

    private static double[] stepDelta(Network net, FloatTensor x, FloatTensor y, double factor) {
        FloatModel m = FloatModel.create(net, Shape.of(1, 3), new Initializer(1, 0.1), new Sgd(0.1, 0, 0));
        double[] before = m.paramValues().get(0);
        m.learningRateFactor(factor);
        m.trainStep(x, y);
        double[] after = m.paramValues().get(0);
        double[] d = new double[before.length];
        for (int i = 0; i < d.length; i++) {
            d[i] = after[i] - before[i];
        }
        return d;
    }
}
