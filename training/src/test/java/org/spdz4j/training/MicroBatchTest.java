package org.spdz4j.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.transport.Role;
import org.spdz4j.data.TestData;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.LearningRateSchedule;
import org.spdz4j.layers.Mode;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.SoftmaxCrossEntropy;

/**
 * A step split into micro-batches whose rounds interleave is the whole batch's step bit for
 * bit: after several steps the revealed model is the same to the last bit, for a network with
 * exact ReLU (comparisons, by rows that do and do not fill whole words of their bits), max
 * pooling (derived masks), a convolution and dense layers, in the optimized mode and in the
 * baseline mode (im2col columns, batch-major within each row), and for the polynomial seed
 * network (powers).
 */
class MicroBatchTest {

    private static final Network NET = Network.builder()
            .addConv2d(1, 4, 3, 1, 1).addMaxPool2d(2).addRelu()
            .addFlatten().addDense(4 * 14 * 14, 10).addRelu().addDense(10, 10)
            .loss(SoftmaxCrossEntropy.DEFAULT).build();

    /** The network above for {@code steps} steps of 32 images. */
    private static TrainingConfig steps(int steps) {
        return TrainingConfig.seedNetwork(1, 32, 32 * steps).withNetwork(NET).withSgd(new Sgd(0.02, 0.9, 0))
                .withSchedule(LearningRateSchedule.CONSTANT);
    }

    private static TrainingConfig exact(int microBatches) {
        return steps(5).withMicroBatches(microBatches);
    }

    @Test
    void microBatchedStepsRevealTheWholeBatchsModelBitForBit() {
        byte[] dealer = AesCtrPrg.freshSeed();
        byte[] input = AesCtrPrg.freshSeed();
        LocalTraining.Result whole = LocalTraining.run(exact(1), TestData.train(), s -> { }, dealer, input);
        List<double[]> start = FloatModel.create(NET, TrainingParty.batchShape(exact(1)), exact(1).initializer(),
                exact(1).sgd()).paramValues();
        assertTrue(differs(start, whole.model()), "training moved the model");
        byte[] plan = TrainingParty.model(exact(1), Role.P0).plan().hash();
        for (int m : new int[]{2, 4}) { // rows of 160 ReLU elements at 2, of 80 at 4 (not whole words)
            assertArrayEquals(plan, TrainingParty.model(exact(m), Role.P0).plan().hash(), "the dealer serves the same plan");
            LocalTraining.Result split = LocalTraining.run(exact(m), TestData.train(), s -> { }, dealer, input);
            assertSame(whole.model(), split.model(), m + " micro-batches");
            assertEquals(whole.p0Traffic().rounds(), split.p0Traffic().rounds(), "the lanes' rounds ride together");
        }
    }

    @Test
    void theSeedNetworksPowersSplitBitForBit() {
        splitsBitForBit(TrainingConfig.seedNetwork(1, 32, 32 * 2), "2 micro-batches of the seed network");
    }

    @Test
    void theBaselineModesIm2colProductsSplitBitForBit() {
        splitsBitForBit(steps(2).withMode(Mode.BASELINE),
                "2 micro-batches in the baseline mode (columns (C k k, N H W))");
    }

    @Test
    void withTheRangeCheckTheModelAndTheVerdictsAreTheWholeBatchs() {
        LocalTraining.Result[] runs = splitsBitForBit(steps(3).withRangeCheck(true),
                "2 micro-batches with the range check");
        assertEquals(runs[0].outOfRange(), runs[1].outOfRange(), "the steps P0 was told left the range");
    }

    /** Trains {@code c} whole and in 2 micro-batches with the same seeds; asserts the same model; returns both runs. */
    private static LocalTraining.Result[] splitsBitForBit(TrainingConfig c, String what) {
        byte[] dealer = AesCtrPrg.freshSeed();
        byte[] input = AesCtrPrg.freshSeed();
        LocalTraining.Result whole = LocalTraining.run(c, TestData.train(), s -> { }, dealer, input);
        LocalTraining.Result split = LocalTraining.run(c.withMicroBatches(2), TestData.train(), s -> { }, dealer, input);
        assertSame(whole.model(), split.model(), what);
        return new LocalTraining.Result[]{whole, split};
    }

    private static void assertSame(List<double[]> expected, List<double[]> actual, String what) {
        assertEquals(expected.size(), actual.size(), what);
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), 0.0, what + ": parameter " + i);
        }
    }

    private static boolean differs(List<double[]> a, List<double[]> b) {
        for (int i = 0; i < a.size(); i++) {
            if (!java.util.Arrays.equals(a.get(i), b.get(i))) {
                return true;
            }
        }
        return false;
    }
}
