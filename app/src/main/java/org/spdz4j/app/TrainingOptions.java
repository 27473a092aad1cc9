package org.spdz4j.app;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.spdz4j.accel.Backends;
import org.spdz4j.core.ring.RingBackends;
import org.spdz4j.data.Dataset;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.Mode;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Networks;
import org.spdz4j.layers.SharedModel;
import org.spdz4j.layers.SoftmaxCrossEntropy;
import org.spdz4j.training.LocalTraining;
import org.spdz4j.training.TrainingConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The recipe of a two-party training run (network, activation, pooling, optimizer, data order):
 * the public facts every process of the run must be given alike ({@code party} and {@code dealer}
 * compare them before the first step). The defaults are the robust recipe: the narrow network
 * with exact ReLU and max pooling, batch 32, learning rate 0.02 on a cosine schedule, momentum 0.9
 * (98.6% after one epoch of MNIST in MPC; no seed of 1-5 diverges). The polynomial recipe is
 * {@code --activation poly --pool avg --network seed --batch 128 --lr 0.05 --lr-schedule constant}.
 */
final class TrainingOptions {
    @Mixin
    RecipeOptions recipe;
    @Option(names = "--train-images", defaultValue = "0", description = "use the first N training images (0 = all 60,000)")
    int trainImages;
    @Option(names = "--weight-decay", defaultValue = "0", description = "L2 weight decay")
    double weightDecay;
    @Option(names = "--mode", defaultValue = "OPTIMIZED", description = "OPTIMIZED (one opening per operand, reused) "
            + "or BASELINE (a fresh Beaver product per use: the reference for the communication table)")
    Mode mode;
    @Option(names = "--backend", defaultValue = "${env:SPDZ_BACKEND:-auto}", description = "ring kernels: java, native (the C "
            + "library), cuda (GPU), emulation (the GPU's kernels and copies run on one host thread: to count a GPU's copies "
            + "without one; slow) or auto (the fastest that loads here, emulation aside, measured at start); the environment "
            + "variable SPDZ_BACKEND, where set, gives the default")
    String backend;
    @Option(names = "--threads", defaultValue = "0", description = "threads of this process's ring kernels (0 = every core; "
            + "'spdz demo' gives each of its processes half of them)")
    int threads;
    @Option(names = "--activation", defaultValue = "relu",
            description = "relu (exact, by secure comparison) or poly (least-squares quadratic on [-2, 2]: cheaper, diverges more easily)")
    String activation;
    @Option(names = "--pool", defaultValue = "max", description = "max (by secure comparison) or avg (local on shares)")
    String pool;
    @Option(names = "--pixel-scaling", defaultValue = "data", description = "data (mean 0, sd 1 over the image owner's "
            + "training images, computed by the owner), unit (pixel / 255) or MEAN,SD (given)")
    String pixelScaling;
    @Option(names = "--check-range", description = "reveal to P0 one bit per step: whether an activation left its "
            + "comparison range or the polynomial's interval (a diverging run); two more comparisons per compared value, "
            + "compared together at the end of the step (18 more rounds a step at batch 32)")
    boolean checkRange;
    @Option(names = "--keep-shared", paramLabel = "DIR", description = "keep the trained model on shares: each compute "
            + "party writes its share to DIR/<ROLE>.share (owner-only) and nothing is revealed; 'spdz serve' answers "
            + "clients from the shares (docs/prediction.md)")
    java.nio.file.Path keepShared;
    @Option(names = "--micro-batches", defaultValue = "auto", paramLabel = "M", description = "split each batch into M "
            + "micro-batches whose rounds interleave: one round trip carries each one's message, and a party computes one "
            + "while another's messages travel; the step is the whole batch's to the bit (for a WAN; M must divide the "
            + "batch; 'auto': P0 measures the round trip and bandwidth to P1 at the start and chooses, 1 below 20 ms at 250 "
            + "Mbit/s or more; docs/wan.md)")
    String microBatches;
    @Option(names = "--show-loss", description = "reveal each batch's Brier score to P0 for the progress bar (a scalar about the labels per step)")
    boolean showLoss;

    /** Installs the chosen ring backend for this process. */
    void useBackend() {
        RingBackends.use(Backends.select(backend, threads()));
    }

    /** {@code --threads}, 0 meaning every core. */
    int threads() {
        if (threads < 0) {
            throw new IllegalArgumentException("--threads must be 0 (every core) or positive, not " + threads);
        }
        return threads == 0 ? Runtime.getRuntime().availableProcessors() : threads;
    }

    static final int MNIST_TRAIN_SIZE = 60_000;

    /** The run as the process that owns the model sees it (train, P0): a pretrained model's values are needed. */
    TrainingConfig config() {
        return config(true);
    }

    /** The run; {@code ownsModel}: this process holds the initial model's values (P0, train), not P1 or the dealer. */
    TrainingConfig config(boolean ownsModel) {
        Network net = Networks.build(recipe.network, Networks.pooling(pool), Networks.activation(activation), false);
        net.requireComputableOnShares("MPC training");
        if (showLoss) {
            net = net.withLoss(SoftmaxCrossEntropy.DEFAULT.revealingBrierScore());
        }
        return TrainingConfig.seedNetwork(recipe.epochs, recipe.batch, trainImages).withNetwork(net).withMode(mode)
                .withSgd(recipe.sgd(weightDecay)).withSchedule(recipe.schedule()).withSeed(recipe.seed)
                .withInit(recipe.weightInit(net, ownsModel)).withRangeCheck(checkRange).withKeepShared(keepShared != null)
                .withMicroBatches(microBatches());
    }

    /** {@code --micro-batches} as {@link TrainingConfig#microBatches()}: a count, or 'auto'. */
    private int microBatches() {
        if (microBatches.equals("auto")) {
            return TrainingConfig.AUTO_MICRO_BATCHES;
        }
        try {
            int m = Integer.parseInt(microBatches);
            if (m >= 1) {
                return m;
            }
        } catch (NumberFormatException notANumber) { // refused below
        }
        throw new IllegalArgumentException("--micro-batches takes a number from 1 or 'auto', not '" + microBatches + "'");
    }

    /**
     * The scaling the images' owner applies to {@code train} (its own training images) and to
     * every image the model later sees: {@code --pixel-scaling}.
     */
    InputScaling scaling(Dataset train) {
        if (recipe.initFrom != null) {   // the pretrained weights expect their own scaling
            return Pretrained.scaling(recipe.initFrom);
        }
        int used = Dataset.imagesUsed(trainImages, train.size());
        return switch (pixelScaling) {
            case "data" -> train.fitScaling(used);
            default -> InputScaling.parse(pixelScaling);
        };
    }

    /**
     * Refuses a run the dealer would plan for another number of examples than the {@code available}
     * ones in {@code where}: the dealer, seeing no data, plans for {@code --train-images} (60,000,
     * MNIST's, when 0).
     */
    void requireExamples(int available, String where) {
        if (trainImages == 0 && available != MNIST_TRAIN_SIZE) {
            throw new IllegalArgumentException(where + " holds " + available + " training examples, not MNIST's 60,000: "
                    + "give every process --train-images " + available + " (the dealer sees no data and plans by it)");
        }
        if (trainImages > available) {
            throw new IllegalArgumentException("--train-images " + trainImages + " but " + where + " holds only " + available
                    + " training examples");
        }
    }

    /** Steps of the run over {@code available} training images (at most --train-images of them): public, so the dealer knows them without the data. */
    int steps(int available) {
        return LocalTraining.batches(config(false), available).length;
    }

    /**
     * With {@code --keep-shared}: writes {@code share}, its outputs named {@code classes}, to
     * {@code DIR/<ROLE>.share}, owner-only in an owner-only directory, and says where.
     */
    void writeShare(SharedModel share, List<String> classes) throws java.io.IOException {
        org.spdz4j.core.files.SecretFiles.directory(keepShared);
        java.nio.file.Path file = keepShared.resolve(share.party() + ".share");
        share.withClasses(classes).write(file); // the training data's, which P0 and P1 agreed on
        System.out.println(share.party() + ": its share of the model (id " + share.idHex() + ", never revealed) written to "
                + file);
    }

    /** Options to pass to a child process so it trains the same run. */
    List<String> asArguments() {
        List<String> args = new ArrayList<>(recipe.asArguments());
        args.addAll(List.of("--train-images", "" + trainImages, "--weight-decay", "" + weightDecay, "--mode", mode.name(),
                "--backend", backend, "--activation", activation, "--pool", pool, "--pixel-scaling", pixelScaling,
                "--threads", "" + threads, "--micro-batches", microBatches));
        if (showLoss) {
            args.add("--show-loss");
        }
        if (checkRange) {
            args.add("--check-range");
        }
        if (keepShared != null) {
            args.addAll(List.of("--keep-shared", keepShared.toAbsolutePath().toString()));
        }
        return args;
    }

    /**
     * The public facts P0 and P1 must agree on, each by name, checked before the plan hash so a
     * mismatch names the option and both values rather than two hashes.
     */
    Map<String, String> agreements() {
        TrainingConfig c = config(false);
        Map<String, String> a = new LinkedHashMap<>();
        a.put("network (--network)", Networks.names().contains(recipe.network) ? recipe.network
                : "file with " + c.network().describe()); // a file's layers, wherever each process keeps it
        a.put("activation (--activation)", activation);
        a.put("pooling (--pool)", pool);
        a.put("mode (--mode)", mode.name());
        a.put("batch size (--batch)", "" + recipe.batch);
        a.put("training images (--train-images)", "" + (trainImages == 0 ? MNIST_TRAIN_SIZE : trainImages));
        a.put("epochs (--epochs)", "" + recipe.epochs);
        a.put("data order and initial weights seed (--seed)", "" + recipe.seed);
        a.put("optimizer and initial weights (--lr, --lr-schedule, --momentum, --weight-decay, --init)",
                c.sgd() + " " + c.schedule() + " init " + c.init());
        a.put("pixel scaling (--pixel-scaling)", pixelScaling); // the rule; with 'data' the values stay with P0
        a.put("revealed loss (--show-loss)", "" + showLoss);
        a.put("range check (--check-range)", "" + checkRange);
        a.put("micro-batches (--micro-batches)", microBatches);
        a.put("the model at the end (--keep-shared)", keepShared != null ? "kept on shares" : "revealed to P0");
        a.put("fixed-point format", "Z_2^128 f=" + c.fixedPoint().fractionalBits());
        return a;
    }
}
