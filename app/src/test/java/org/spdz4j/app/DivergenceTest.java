package org.spdz4j.app;

import org.spdz4j.data.Evaluation;
import org.spdz4j.data.Dataset;
import org.spdz4j.data.TestData;
import org.spdz4j.training.LocalTraining;
import org.spdz4j.training.TrainingConfig;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.IntUnaryOperator;
import org.junit.jupiter.api.Test;
import org.spdz4j.layers.InputScaling;
import picocli.CommandLine;

/**
 * The recipe of {@code spdz train --activation relu --pool max} (lr 0.05, momentum 0.9,
 * N(0, 0.05^2) init, the owner's own pixel scaling) trains without diverging for five seeds,
 * and on MNIST with inverted and with contrast-scaled pixels: the datasets on which the
 * polynomial recipe with MNIST's constants diverged. Float twin runs (the twin computes what
 * the secure side computes, {@link TrainingTest} holds them together); a NaN or infinite loss
 * stops the twin with {@link LocalTraining.DivergedException}, failing the test.
 */
class DivergenceTest {
    private static final int TEST_IMAGES = 1000;

    private static TrainingOptions options(long seed) {
        TrainingOptions o = new TrainingOptions();
        new CommandLine(o).parseArgs("--network", "small", "--activation", "relu", "--pool", "max", "--batch", "32",
                "--train-images", "3200", "--seed", "" + seed);
        return o;
    }

    /** Test accuracy after 100 steps on pixels mapped by {@code pixels}, scaled as the owner would scale them. */
    private static double accuracy(long seed, IntUnaryOperator pixels) {
        TrainingOptions o = options(seed);
        Dataset train = TestData.rawTrain().mapPixels(pixels);
        InputScaling s = o.scaling(train);
        TrainingConfig c = o.config();
        LocalTraining.Twin t = LocalTraining.trainTwin(c, train.scaled(s));
        double a = Evaluation.accuracy(c.network(), t.model().paramValues(), TestData.rawTest().mapPixels(pixels).scaled(s),
                TEST_IMAGES);
        System.out.printf("seed %d, scaling %s: last loss %.3f, accuracy %.4f%n", seed, s, t.losses()[t.losses().length - 1], a);
        return a;
    }

    /** Every seed's accuracy after 100 steps of 32 on pixels mapped by {@code pixels}: at least {@code floor}. */
    private static void everySeedLearns(String data, IntUnaryOperator pixels, double floor) {
        StringBuilder all = new StringBuilder();
        boolean ok = true;
        for (long seed = 1; seed <= 5; seed++) {
            double a = accuracy(seed, pixels);
            all.append(String.format(" seed %d: %.3f", seed, a));
            ok &= a >= floor;
        }
        assertTrue(ok, data + ", accuracy on " + TEST_IMAGES + " test images below " + floor + ":" + all);
    }

    /** Chance is 10%, a diverged run ends there; measured 71-87% over the 15 runs (lr 0.05 at batch 32 is noisy). */
    @Test
    void fiveSeedsConverge() {
        everySeedLearns("MNIST", p -> p, 0.65);
    }

    @Test
    void invertedPixelsConverge() {
        everySeedLearns("inverted", p -> 255 - p, 0.65);
    }

    /** A faint scan: pixels squeezed into 100..131. */
    @Test
    void contrastScaledPixelsConverge() {
        everySeedLearns("contrast-scaled", p -> 100 + p / 8, 0.65);
    }
}
