package org.spdz4j.app;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.spdz4j.accel.Backends;
import org.spdz4j.core.ring.RingBackends;
import org.spdz4j.layers.AvgPool2d;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.LearningRateSchedule;
import org.spdz4j.layers.Layer;
import org.spdz4j.layers.MaxPool2d;
import org.spdz4j.layers.Mode;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.PolyRelu;
import org.spdz4j.layers.Relu;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;
import org.spdz4j.layers.SoftmaxCrossEntropy;
import picocli.CommandLine.Option;

/** The public training facts, shared by every command: all processes of a run must pass the same. */
final class TrainingOptions {
    @Option(names = "--epochs", defaultValue = "1")
    int epochs;
    @Option(names = "--batch", defaultValue = "128")
    int batch;
    @Option(names = "--train-images", defaultValue = "0", description = "use the first N training images (0 = all 60,000)")
    int trainImages;
    @Option(names = "--lr", defaultValue = "0.05")
    double lr;
    @Option(names = "--momentum", defaultValue = "0.9")
    double momentum;
    @Option(names = "--lr-schedule", defaultValue = "constant", description = "constant, linear (falling to 0 over the run) "
            + "or cosine (half a cosine to 0 over the run)")
    String lrSchedule;
    @Option(names = "--weight-decay", defaultValue = "0")
    double weightDecay;
    @Option(names = "--init", defaultValue = "0.05", description = "initial weights: a standard deviation (N(0, s^2)) "
            + "or he (N(0, 2/fan-in); larger weights push the polynomial activation out of its interval)")
    String init;
    @Option(names = "--seed", defaultValue = "1", description = "seeds the public initial weights and the data order")
    long seed;
    @Option(names = "--mode", defaultValue = "OPTIMIZED", description = "BASELINE or OPTIMIZED")
    Mode mode;
    @Option(names = "--network", defaultValue = "seed", description = "seed (the seed tutorial's CNN), conv64 (the same with 64 channels "
            + "in the second convolution), narrow (16 channels in the first: fewer comparisons) or small (conv 1->4, dense)")
    String network;
    @Option(names = "--backend", defaultValue = "auto", description = "ring kernels: java, cpu (C), cuda (GPU) or auto (the fastest of those that load, measured at start)")
    String backend;
    @Option(names = "--threads", defaultValue = "0", description = "threads of this process's ring kernels (0 = every core; "
            + "'spdz demo' gives each of its processes half of them)")
    int threads;
    @Option(names = "--activation", defaultValue = "poly",
            description = "poly (least-squares quadratic on [-2, 2]) or relu (exact, by secure comparison)")
    String activation;
    @Option(names = "--pool", defaultValue = "avg", description = "avg (local on shares) or max (by secure comparison)")
    String pool;
    @Option(names = "--pixel-scaling", defaultValue = "data", description = "data (mean 0, sd 1 over the image owner's "
            + "training images, computed by the owner), unit (pixel / 255) or MEAN,SD (given)")
    String pixelScaling;
    @Option(names = "--check-range", description = "reveal to P0 one bit per step: whether an activation left its "
            + "comparison range or the polynomial's interval (a diverging run); two more comparisons per activation")
    boolean checkRange;
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

    TrainingConfig config() {
        Layer act = switch (activation) {
            case "poly" -> new PolyRelu(2, 2.0);
            case "relu" -> new Relu(Relu.DEFAULT_BITS);
            default -> throw new IllegalArgumentException("unknown --activation '" + activation + "' (poly or relu)");
        };
        Layer down = switch (pool) {
            case "avg" -> new AvgPool2d(2);
            case "max" -> new MaxPool2d(2, Relu.DEFAULT_BITS);
            default -> throw new IllegalArgumentException("unknown --pool '" + pool + "' (avg or max)");
        };
        Network net = switch (network) { // pooling before the activation: the same function, a quarter of the comparisons
            case "seed" -> Network.seed(down, act);
            case "conv64" -> Network.conv64(down, act);
            case "narrow" -> Network.narrow(down, act);
            case "small" -> Network.builder().addConv2d(1, 4, 3, 1, 1).add(down).add(act)
                    .addFlatten().addDense(4 * 14 * 14, 10).loss(SoftmaxCrossEntropy.DEFAULT).build();
            default -> throw new IllegalArgumentException("unknown network '" + network + "' (seed, conv64, narrow or small)");
        };
        if (showLoss) {
            net = net.withLoss(SoftmaxCrossEntropy.DEFAULT.revealingBrierScore());
        }
        return TrainingConfig.seedNetwork(epochs, batch, trainImages).withNetwork(net).withMode(mode)
                .withSgd(new Sgd(lr, momentum, weightDecay))
                .withSchedule(LearningRateSchedule.parse(lrSchedule)).withSeed(seed).withInit(WeightInit.parse(init)).withRangeCheck(checkRange);
    }

    /**
     * The scaling the images' owner applies to {@code train} (its own training images) and to
     * every image the model later sees: {@code --pixel-scaling}.
     */
    InputScaling scaling(Mnist train) {
        int used = Mnist.imagesUsed(trainImages, train.size());
        return switch (pixelScaling) {
            case "data" -> train.fitScaling(used);
            default -> InputScaling.parse(pixelScaling);
        };
    }

    /** Steps of the run: public, so the dealer knows them without the data. */
    int steps() {
        return LocalTraining.batches(config(), MNIST_TRAIN_SIZE).length;
    }

    /** Options to pass to a child process so it trains the same run. */
    List<String> asArguments() {
        List<String> args = new ArrayList<>(List.of("--epochs", "" + epochs, "--batch", "" + batch,
                "--train-images", "" + trainImages, "--lr", "" + lr, "--lr-schedule", lrSchedule, "--momentum", "" + momentum, "--weight-decay", "" + weightDecay, "--seed", "" + seed,
                "--mode", mode.name(), "--network", network, "--backend", backend, "--activation", activation,
                "--pool", pool, "--pixel-scaling", pixelScaling, "--init", init, "--threads", "" + threads));
        if (showLoss) {
            args.add("--show-loss");
        }
        if (checkRange) {
            args.add("--check-range");
        }
        return args;
    }

    /**
     * The public facts P0 and P1 must agree on, each by name, checked before the plan hash so a
     * mismatch names the option and both values rather than two hashes.
     */
    Map<String, String> agreements() {
        TrainingConfig c = config();
        Map<String, String> a = new LinkedHashMap<>();
        a.put("network (--network)", network);
        a.put("activation (--activation)", activation);
        a.put("pooling (--pool)", pool);
        a.put("mode (--mode)", mode.name());
        a.put("batch size (--batch)", "" + batch);
        a.put("training images (--train-images)", "" + (trainImages == 0 ? MNIST_TRAIN_SIZE : trainImages));
        a.put("epochs (--epochs)", "" + epochs);
        a.put("data order and initial weights seed (--seed)", "" + seed);
        a.put("optimizer and initial weights (--lr, --lr-schedule, --momentum, --weight-decay, --init)",
                c.sgd() + " " + c.schedule() + " init " + c.init());
        a.put("pixel scaling (--pixel-scaling)", pixelScaling); // the rule; with 'data' the values stay with P0
        a.put("revealed loss (--show-loss)", "" + showLoss);
        a.put("range check (--check-range)", "" + checkRange);
        a.put("fixed-point format", "Z_2^128 f=" + c.fixedPoint().fractionalBits());
        return a;
    }
}
