package org.spdz4j.training;

import org.spdz4j.data.Evaluation;
import org.spdz4j.data.TestData;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.spdz4j.layers.LearningRateSchedule;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.PolyRelu;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.SoftmaxCrossEntropy;

/** A short secure training run on an MNIST subset, against its float twin. */
class TrainingTest {

    /**
     * 100 steps of batch 32 (3,200 training images) of a small CNN. Its float twin reaches about
     * 78% on the first 2,000 test images; chance is 10%, and a broken protocol (wrong products,
     * a truncation failure, a diverging loss) ends near chance. So: at least 70%, within 2
     * points of the twin, and the per-step loss within 0.02 of the twin's (measured: 0.003).
     */
    @Test
    void smallCnnLearnsMnistSubsetInMpcLikeItsTwin() {
        trainsLikeItsTwin(Network.builder()
                .addConv2d(1, 4, 3, 1, 1).addAvgPool2d(2).add(new PolyRelu(2, 2.0))
                .addFlatten().addDense(4 * 14 * 14, 10)
                .loss(SoftmaxCrossEntropy.DEFAULT).build(), LearningRateSchedule.CONSTANT);
    }

    /** The same with exact max pooling and exact ReLU by secure comparison, the learning rate on a cosine schedule. */
    @Test
    void smallCnnWithExactReluAndMaxPoolLearnsLikeItsTwin() {
        trainsLikeItsTwin(Network.builder()
                .addConv2d(1, 4, 3, 1, 1).addMaxPool2d(2).addRelu()
                .addFlatten().addDense(4 * 14 * 14, 10)
                .loss(SoftmaxCrossEntropy.DEFAULT).build(), LearningRateSchedule.COSINE);
    }

    /** A recipe that blows up stops with a clear error instead of training on NaN. */
    @Test
    void aDivergingTwinStopsNamingTheStep() {
        Network net = Network.builder().addConv2d(1, 4, 3, 1, 1).addAvgPool2d(2).add(new PolyRelu(2, 2.0))
                .addFlatten().addDense(4 * 14 * 14, 10).loss(SoftmaxCrossEntropy.DEFAULT).build();
        TrainingConfig c = TrainingConfig.seedNetwork(1, 32, 640).withNetwork(net).withSgd(new Sgd(1e6, 0.9, 0));
        LocalTraining.DivergedException e = org.junit.jupiter.api.Assertions.assertThrows(
                LocalTraining.DivergedException.class, () -> LocalTraining.trainTwin(c, TestData.train()));
        assertTrue(e.getMessage().startsWith("the float twin diverged at step "), e.getMessage());
    }

    private static void trainsLikeItsTwin(Network net, LearningRateSchedule schedule) {
        TrainingConfig c = TrainingConfig.seedNetwork(1, 32, 3200).withNetwork(net).withSgd(new Sgd(0.02, 0.9, 0))
                .withSchedule(schedule);
        LocalTraining.Result r = LocalTraining.run(c, TestData.train(), s -> { });
        int[] stepsSeen = {0};
        LocalTraining.Twin twin = LocalTraining.trainTwin(c, TestData.train(),
                (model, step, loss) -> assertEquals(stepsSeen[0]++, step, "steps reported in order"));
        assertEquals(100, stepsSeen[0]);
        double[] twinLoss = twin.losses();
        double mpcAccuracy = Evaluation.accuracy(net, r.model(), TestData.test(), 2000);
        double twinAccuracy = Evaluation.accuracy(net, twin.model().paramValues(), TestData.test(), 2000);
        int[][] batches = LocalTraining.batches(c, TestData.train().size());
        double maxDiff = 0;
        for (int s = 0; s < r.steps(); s++) {
            // loss of the logits reconstructed by this in-process test, outside the protocol
            double mpcLoss = twin.model().loss(r.logits().get(s), TestData.train().oneHot(batches[s]));
            maxDiff = Math.max(maxDiff, Math.abs(mpcLoss - twinLoss[s]));
        }
        System.out.printf("%d steps: MPC accuracy %.4f, twin %.4f, max loss difference %.5f%n",
                r.steps(), mpcAccuracy, twinAccuracy, maxDiff);
        assertEquals(100, r.steps());
        assertTrue(mpcAccuracy >= 0.70, "MPC accuracy " + mpcAccuracy);
        assertEquals(twinAccuracy, mpcAccuracy, 0.02);
        assertTrue(maxDiff <= 0.02, "loss curves differ by " + maxDiff);
    }
}
