package org.spdz4j.training;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.data.Dataset;
import org.spdz4j.data.Partitions;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.FloatTensor;
import org.spdz4j.layers.SharedModel;
import org.spdz4j.triples.LocalComputation;
import org.spdz4j.triples.Plan;

/**
 * Trains a network on secret-shared MNIST with P0 (images), P1 (labels) and the dealer as
 * threads of this JVM. P0 is the model owner: the trained model is revealed to it alone.
 *
 * <pre>{@code
 * LocalTraining.Result r = LocalTraining.run(TrainingConfig.seedNetwork(1, 128, 0), train, step -> {});
 * double acc = Evaluation.accuracy(config.network(), r.model(), test, 10_000);
 * }</pre>
 */
public final class LocalTraining {
    private LocalTraining() {
    }

    /**
     * @param model          the revealed parameters, as the model owner P0 received them
     * @param logits         per step, the logits reconstructed from both parties' shares. Only
     *                       this in-process driver can do that (it holds both parties); it is a
     *                       diagnostic for tests, never part of the protocol
     * @param onlineNanos    P0's wall time in training steps
     * @param dealerBusyNanos the dealer's compute time
     * @param outOfRange     with the range check, the steps P0 learnt had an activation outside its range
     * @param shared         with {@link TrainingConfig#keepShared()}: P0's and P1's shares of the model (then
     *                       {@code model} is null); null otherwise
     */
    public record Result(List<double[]> model, List<FloatTensor> logits, TrafficCounter p0Traffic,
                         TrafficCounter dealerTraffic, List<String> layerScopes, int steps, long onlineNanos,
                         long dealerBusyNanos, Plan plan, List<Integer> outOfRange, List<SharedModel> shared) {
    }

    /** The image indices of each step: a public shuffle per epoch. */
    public static int[][] batches(TrainingConfig c, int available) {
        int n = Dataset.imagesUsed(c.trainImages(), available);
        int perEpoch = n / c.batchSize();
        if (perEpoch == 0) {
            throw new IllegalArgumentException("batch size " + c.batchSize() + " is larger than the " + n + " images");
        }
        // the data order is public, so a non-cryptographic shuffle is fine
        SplittableRandom r = new SplittableRandom(c.seed());
        int[][] out = new int[c.epochs() * perEpoch][];
        int[] order = new int[n];
        for (int e = 0; e < c.epochs(); e++) {
            for (int i = 0; i < n; i++) {
                order[i] = i;
            }
            Partitions.shuffle(order, r);
            for (int b = 0; b < perEpoch; b++) {
                out[e * perEpoch + b] = Arrays.copyOfRange(order, b * c.batchSize(), (b + 1) * c.batchSize());
            }
        }
        return out;
    }

    public static Result run(TrainingConfig c, Dataset train, IntConsumer afterStep) {
        return run(c, train, afterStep, AesCtrPrg.freshSeed(), AesCtrPrg.freshSeed());
    }

    /** As {@link #run(TrainingConfig, Dataset, IntConsumer)} with the dealer's and the input-sharing seeds given. */
    public static Result run(TrainingConfig c, Dataset train, IntConsumer afterStep, byte[] dealerSeed, byte[] inputSeed) {
        return run(c, train, afterStep, dealerSeed, inputSeed, batches(c, train.size()), 0, null);
    }

    /**
     * Steps {@code firstStep .. batches.length-1} of a run, each party saving checkpoints to
     * {@code ck} (may be null) and, past step 0, resuming from them.
     */
    public static Result run(TrainingConfig c, Dataset train, IntConsumer afterStep, byte[] dealerSeed, byte[] inputSeed,
                      int[][] batches, int firstStep, TrainingParty.Checkpointing ck) {
        FixedPoint fp = c.fixedPoint();
        Plan plan = TrainingParty.plan(c);
        LocalComputation.Result<TrainingParty.Outcome> r = LocalComputation.run(plan, firstStep, batches.length,
                dealerSeed, inputSeed, fp, (party, randomness) -> TrainingParty.run(party, randomness, c, train, batches,
                        firstStep, ck, true, (s, loss) -> {
                            if (party.role().equals(Role.P0)) {
                                afterStep.accept(s);
                            }
                        }));
        List<FloatTensor> logits = new ArrayList<>();
        for (int s = 0; s < batches.length - firstStep; s++) {
            logits.add(new FloatTensor(Shape.of(c.batchSize(), c.network().outputs()), fp.decode(r.p0().logits().get(s).add(r.p1().logits().get(s)))));
        }
        return new Result(r.p0().model(), logits, r.p0Traffic(), r.dealerTraffic(), r.p0().scopes(),
                batches.length - firstStep, r.p0().nanos(), r.dealerBusyNanos(), plan, r.p0().outOfRange(),
                c.keepShared() ? List.of(r.p0().shared(), r.p1().shared()) : null);
    }

    /** A trained float twin and its loss at each step. */
    public record Twin(FloatModel model, double[] losses) {
    }

    /** A training run whose loss became NaN or infinite: it is stopped, never continued silently. */
    public static final class DivergedException extends IllegalStateException {
        public DivergedException(String message) {
            super(message);
        }
    }

    /**
     * The float twin trained on the same batches from the same initial weights; stops with
     * {@link DivergedException} at a NaN or infinite loss.
     */
    public static Twin trainTwin(TrainingConfig c, Dataset train) {
        return trainTwin(c, train, (model, step, loss) -> { });
    }

    /** Told after each step of the float twin: the model after it, the step's index and its loss. */
    @FunctionalInterface
    public interface TwinListener {
        void afterStep(FloatModel model, int step, double loss);
    }

    /**
     * As {@link #trainTwin(TrainingConfig, Dataset)}, telling {@code afterStep} each step's index,
     * loss and the model after it (for an evaluation per epoch, say).
     */
    public static Twin trainTwin(TrainingConfig c, Dataset train, TwinListener afterStep) {
        int[][] batches = batches(c, train.size());
        FloatModel twin = FloatModel.create(c.network(), TrainingParty.batchShape(c), c.initializer(),
                c.sgd());
        double[] losses = new double[batches.length];
        for (int s = 0; s < batches.length; s++) {
            twin.learningRateFactor(c.schedule().factor(s, batches.length));
            losses[s] = twin.trainStep(train.images(batches[s]), train.oneHot(batches[s]));
            if (!Double.isFinite(losses[s])) {
                throw new DivergedException("the float twin diverged at step " + s + " (loss " + losses[s]
                        + "): lower --lr, or use --activation relu");
            }
            afterStep.afterStep(twin, s, losses[s]);
        }
        return new Twin(twin, losses);
    }
}
