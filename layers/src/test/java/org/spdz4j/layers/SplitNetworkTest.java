package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.Shape;

/**
 * A split network (the blind-learning tutorial's builder, scaled down): its bottom and top trained
 * apart, the cut's activations going up and its gradient coming back, end bit for bit where the
 * same network trained in one place ends, from the same seed.
 */
class SplitNetworkTest {
    private static final Network NET = Network.builder()
            .addConv2d(1, 4, 3, 1, 1).addBatchNorm2d(4).addRelu().addMaxPool2d(2).addFlatten()
            .addSplit()
            .addDense(4 * 4 * 4, 16).addRelu().addDense(16, 10)
            .loss(SoftmaxCrossEntropy.DEFAULT).build();
    private static final Shape IN = Shape.of(6, 1, 8, 8);

    private static FloatTensor images(SplittableRandom r) {
        double[] v = new double[IN.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = r.nextGaussian();
        }
        return new FloatTensor(IN, v);
    }

    private static FloatTensor labels(SplittableRandom r) {
        double[] v = new double[60];
        for (int i = 0; i < 6; i++) {
            v[i * 10 + r.nextInt(10)] = 1;
        }
        return new FloatTensor(Shape.of(6, 10), v);
    }

    @Test
    void plainSplitTrainingEqualsUnsplitTrainingBitForBit() {
        Sgd sgd = new Sgd(0.05, 0.9, 1e-4);
        FloatModel whole = FloatModel.create(NET, IN, new Initializer(7, 0.1), sgd);
        Initializer shared = new Initializer(7, 0.1); // the holder draws the bottom, the label holder then the top
        FloatModel bottom = FloatModel.create(NET.bottom(), IN, shared, sgd);
        FloatModel top = FloatModel.create(NET.top(), NET.bottom().outputShape(IN), shared, sgd);
        SplittableRandom data = new SplittableRandom(3);
        for (int step = 0; step < 5; step++) {
            FloatTensor x = images(data);
            FloatTensor y = labels(data);
            double unsplitLoss = whole.trainStep(x, y);
            FloatTensor cut = bottom.forwardTraining(x);             // the holder's activations go up
            FloatModel.Step s = top.trainOn(cut, y);                  // the label holder's loss and cut gradient
            bottom.backwardAndUpdate(s.inputGradient());              // the gradient comes back
            assertEquals(unsplitLoss, s.loss(), 0.0, "step " + step);
        }
        List<double[]> split = new ArrayList<>(bottom.paramValues());
        split.addAll(top.paramValues());
        List<double[]> unsplit = whole.paramValues();
        assertEquals(unsplit.size(), split.size());
        for (int i = 0; i < unsplit.size(); i++) {
            assertArrayEquals(unsplit.get(i), split.get(i), 0.0, "parameter " + i);
        }
    }

    @Test
    void theSplitIsPartOfTheDescriptionAndMisplacedSplitsAreRefused() {
        assertEquals("conv2d(1,4,k=3,s=1,p=1) batchnorm2d(4) relu(k=40) maxpool2d(2,k=40) flatten split dense(64,16) "
                + "relu(k=40) dense(16,10) softmax_cross_entropy(exp=8)", NET.describe());
        assertEquals(NET.describe(), NetworkDescription.parse(NET.describe()).describe());
        assertEquals("conv2d(1,4,k=3,s=1,p=1) batchnorm2d(4) relu(k=40) maxpool2d(2,k=40) flatten", NET.bottom().describe());
        assertEquals("dense(64,16) relu(k=40) dense(16,10) softmax_cross_entropy(exp=8)", NET.top().describe());
        assertThrows(IllegalStateException.class, () -> Network.builder().addSplit());
        assertThrows(IllegalStateException.class, () -> Network.builder().addFlatten().addSplit().build());
        assertThrows(IllegalStateException.class, () -> Network.builder().addFlatten().addSplit().addFlatten().addSplit());
        assertThrows(IllegalStateException.class, () -> Network.seed(new PolyRelu(2, 2.0)).bottom());
        FloatModel bottom = FloatModel.create(NET.bottom(), IN, new Initializer(1, 0.1), new Sgd(0.1, 0, 0));
        assertThrows(IllegalStateException.class, () -> bottom.trainStep(images(new SplittableRandom(1)),
                labels(new SplittableRandom(2))));
    }
}
