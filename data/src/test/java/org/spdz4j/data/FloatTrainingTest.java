package org.spdz4j.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.layers.Adam;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.ModelFile;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.WeightInit;

/**
 * The plaintext training stack a data holder runs (the bottom of a split network, a federated
 * client): convolution, batch norm, ReLU, max pool, dropout, dense, with Adam, on an MNIST subset;
 * saved and reloaded with its batch-norm statistics.
 */
class FloatTrainingTest {
    @TempDir
    Path dir;

    /** 100 steps of 32 (3,200 images): at least 85% on 1,000 test images (chance 10%; measured 87.7%). */
    @Test
    void batchNormDropoutAndAdamTrainAndTheModelFileKeepsTheRunningStatistics() throws IOException {
        Network net = Network.builder().addConv2d(1, 8, 3, 1, 1).addBatchNorm2d(8).addRelu().addMaxPool2d(2)
                .addDropout(0.25).addFlatten().addDense(8 * 14 * 14, 10).build();
        FloatModel m = FloatModel.create(net, Shape.of(32, 1, 28, 28), WeightInit.HE.initializer(1), new Adam(0.003));
        Dataset train = TestData.train();
        for (int s = 0; s < 100; s++) {
            int[] batch = java.util.stream.IntStream.range(32 * s, 32 * s + 32).toArray();
            m.trainStep(train.images(batch), train.oneHot(batch));
        }
        List<double[]> params = m.paramValues();
        double accuracy = Evaluation.accuracy(net, params, TestData.test(), 1000);
        System.out.printf("float stack: accuracy %.4f%n", accuracy);
        assertTrue(accuracy >= 0.85, "accuracy " + accuracy);

        Path f = dir.resolve("model.spdz");
        ModelFile.write(f, net, TestData.scaling(), params);
        ModelFile back = ModelFile.read(f);
        int[] idx = {0, 1, 2, 3};
        double[] before = FloatModel.create(net, Shape.of(4, 1, 28, 28), WeightInit.HE.initializer(0), new Adam(0.001))
                .forward(TestData.test().images(idx)).values();
        FloatModel reloaded = back.floatModel(Shape.of(4, 1, 28, 28));
        FloatModel trained = FloatModel.create(net, Shape.of(4, 1, 28, 28), WeightInit.HE.initializer(0), new Adam(0.001));
        trained.load(params);
        assertArrayEquals(trained.forward(TestData.test().images(idx)).values(),
                reloaded.forward(TestData.test().images(idx)).values(), "the same logits after a round trip");
        assertTrue(before[0] != reloaded.forward(TestData.test().images(idx)).values()[0], "loading changed the model");
    }

    /**
     * A batch of another example shape or size than the model's, or targets of another class
     * count, is refused, naming both, even where its
     * values would fill the model's input (16 grey 28 x 28 images hold 12,544 values, as many as 65
     * and a third RGB 8 x 8 ones: the split demo once trained an RGB network on them as garbage).
     */
    @Test
    void aBatchOfAnotherExampleShapeIsRefusedNamingBoth() {
        Network rgb = Network.builder().input(3, 8, 8).addConv2d(3, 4, 3, 1, 1).addRelu().addMaxPool2d(2).addFlatten()
                .addDense(64, 2).build();
        FloatModel m = FloatModel.create(rgb, rgb.batchShape(16), WeightInit.normal(0.05).initializer(1),
                new org.spdz4j.layers.Sgd(0.1, 0, 0));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> m.forwardTraining(TestData.train().images(java.util.stream.IntStream.range(0, 16).toArray())));
        assertTrue(e.getMessage().contains("this network takes examples of shape [3, 8, 8], not [1, 28, 28]"), e.getMessage());
        IllegalArgumentException five = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> m.forward(new org.spdz4j.layers.FloatTensor(rgb.batchShape(5), new double[5 * 192])));
        assertTrue(five.getMessage().contains("made for batches of 16 examples, not 5"), five.getMessage());
        org.spdz4j.layers.FloatTensor batch = new org.spdz4j.layers.FloatTensor(rgb.batchShape(16), new double[16 * 192]);
        assertTrue(m.forward(batch).shape().equals(Shape.of(16, 2)), "a batch of its shape gives its logits");
        // ten classes' targets for two outputs would be read across rows
        IllegalArgumentException classes = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> m.trainStep(batch, TestData.train().oneHot(java.util.stream.IntStream.range(0, 16).toArray())));
        assertTrue(classes.getMessage().contains("the targets are [16, 10] and the logits [16, 2]"), classes.getMessage());
    }
}
