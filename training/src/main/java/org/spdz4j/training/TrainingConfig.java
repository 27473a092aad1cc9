package org.spdz4j.training;

import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.layers.Initializer;
import org.spdz4j.layers.LearningRateSchedule;
import org.spdz4j.layers.Mode;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.PolyRelu;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;

/**
 * Public facts of a training run: every party and the dealer derive the same plan from them.
 *
 * @param network      architecture
 * @param mode         baseline or optimized
 * @param epochs       passes over the training subset
 * @param batchSize    images per step
 * @param trainImages  how many training images to use (the first ones; 0 = all)
 * @param sgd          optimizer
 * @param schedule     how its learning rate changes over the run's steps
 * @param init         how the public initial weights are drawn
 * @param seed         seeds the public initial weights and the data order
 * @param fixedPoint   number format
 * @param rangeCheck   reveal to P0 one bit per step: did an activation leave its range ({@code --check-range})
 * @param keepShared   at the end, keep the model on shares ({@link org.spdz4j.layers.SharedModel}) instead of
 *                     revealing it to P0 ({@code --keep-shared})
 * @param microBatches split each step's batch into this many micro-batches whose rounds interleave
 *                     ({@code --micro-batches}; 1: none; {@link #AUTO_MICRO_BATCHES}: chosen at the start;
 *                     see {@link org.spdz4j.layers.SecureModel#create(org.spdz4j.layers.Network,
 *                     org.spdz4j.core.ring.Shape, org.spdz4j.layers.SecureSetup, org.spdz4j.layers.Sgd, int)})
 */
public record TrainingConfig(Network network, Mode mode, int epochs, int batchSize, int trainImages, Sgd sgd,
                             LearningRateSchedule schedule, WeightInit init, long seed, FixedPoint fixedPoint,
                             boolean rangeCheck, boolean keepShared, int microBatches) {

    /** Checks the micro-batches: at least one, dividing the batch, or {@link #AUTO_MICRO_BATCHES}. */
    public TrainingConfig {
        if (microBatches != AUTO_MICRO_BATCHES && (microBatches < 1 || batchSize % microBatches != 0)) {
            throw new IllegalArgumentException("--micro-batches must be at least 1 and divide the batch of " + batchSize
                    + ", got " + microBatches);
        }
    }

    /**
     * {@link #microBatches()} for {@code --micro-batches auto}: the compute parties choose the
     * split before the first step from the round trip P0 measures to P1 (docs/wan.md).
     */
    public static final int AUTO_MICRO_BATCHES = 0;

    /** The seed network with the [-2, 2] quadratic ReLU, N(0, 0.05^2) init, lr 0.05 (constant), momentum 0.9. */
    public static TrainingConfig seedNetwork(int epochs, int batchSize, int trainImages) {
        return new TrainingConfig(Network.seed(new PolyRelu(2, 2.0)), Mode.OPTIMIZED, epochs, batchSize, trainImages,
                new Sgd(0.05, 0.9, 0), LearningRateSchedule.CONSTANT, WeightInit.normal(0.05), 1, FixedPoint.DEFAULT, false, false, 1);
    }

    public TrainingConfig withMode(Mode m) {
        return new TrainingConfig(network, m, epochs, batchSize, trainImages, sgd, schedule, init, seed, fixedPoint, rangeCheck, keepShared, microBatches);
    }

    public TrainingConfig withNetwork(Network n) {
        return new TrainingConfig(n, mode, epochs, batchSize, trainImages, sgd, schedule, init, seed, fixedPoint, rangeCheck, keepShared, microBatches);
    }

    public TrainingConfig withSeed(long s) {
        return new TrainingConfig(network, mode, epochs, batchSize, trainImages, sgd, schedule, init, s, fixedPoint, rangeCheck, keepShared, microBatches);
    }

    public TrainingConfig withRangeCheck(boolean on) {
        return new TrainingConfig(network, mode, epochs, batchSize, trainImages, sgd, schedule, init, seed, fixedPoint, on, keepShared, microBatches);
    }

    public TrainingConfig withKeepShared(boolean keep) {
        return new TrainingConfig(network, mode, epochs, batchSize, trainImages, sgd, schedule, init, seed, fixedPoint, rangeCheck, keep, microBatches);
    }

    public TrainingConfig withInit(WeightInit w) {
        return new TrainingConfig(network, mode, epochs, batchSize, trainImages, sgd, schedule, w, seed, fixedPoint, rangeCheck, keepShared, microBatches);
    }

    public TrainingConfig withMicroBatches(int m) {
        return new TrainingConfig(network, mode, epochs, batchSize, trainImages, sgd, schedule, init, seed, fixedPoint, rangeCheck, keepShared, m);
    }

    /** The public initial weights' generator. */
    public Initializer initializer() {
        return init.initializer(seed);
    }

    public TrainingConfig withSchedule(LearningRateSchedule l) {
        return new TrainingConfig(network, mode, epochs, batchSize, trainImages, sgd, l, init, seed, fixedPoint, rangeCheck, keepShared, microBatches);
    }

    public TrainingConfig withSgd(Sgd s) {
        return new TrainingConfig(network, mode, epochs, batchSize, trainImages, s, schedule, init, seed, fixedPoint, rangeCheck, keepShared, microBatches);
    }
}
