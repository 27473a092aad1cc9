package org.spdz4j.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.spdz4j.layers.LearningRateSchedule;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Networks;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;

/**
 * The network, optimizer and data order of a run, declared once for every command that trains a
 * network of the catalogue end to end ({@code train}, {@code demo}, {@code party}, {@code dealer}
 * and the {@code split-*} commands). The defaults are the robust recipe (narrow, batch 32, lr 0.02
 * on a cosine schedule, momentum 0.9, one epoch); split learning keeps the defaults measured for it
 * through {@link SplitDefaults}. Federated learning's clients train with local options of their
 * own ({@link FedOptions}).
 */
final class RecipeOptions {
    @Option(names = "--network", defaultValue = "narrow", description = "a network of the catalogue, or a network file (YAML, docs/networks.md); split learning cuts "
            + "it at its split: ${spdz.networks}")
    String network;
    @Option(names = "--epochs", defaultValue = "1", description = "passes over the training images")
    int epochs;
    @Option(names = "--batch", defaultValue = "32", description = "images per step")
    int batch;
    @Option(names = "--lr", defaultValue = "0.02", description = "SGD learning rate (at the start of the schedule)")
    double lr;
    @Option(names = "--lr-schedule", defaultValue = "cosine", description = "cosine (half a cosine to 0 over the run), "
            + "linear (falling to 0 over the run) or constant")
    String lrSchedule;
    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum")
    double momentum;
    @Option(names = "--init", defaultValue = "0.05", description = "initial weights: a standard deviation (N(0, s^2)) "
            + "or he (N(0, 2/fan-in); larger weights push the polynomial activation out of its interval)")
    String init;
    @Option(names = "--seed", defaultValue = "1", description = "seeds the public initial weights and the data order")
    long seed;
    @Option(names = "--init-from", description = "fine-tune: start from this pretrained model of the run's network (a "
            + "spdz4j model file, or ONNX when it ends in .onnx; docs/onnx.md), given to the model's owner only (P0; a "
            + "demo passes it to P0 and tells the others --init pretrained); its input scaling is kept")
    Path initFrom;

    Sgd sgd(double weightDecay) {
        return new Sgd(lr, momentum, weightDecay);
    }

    LearningRateSchedule schedule() {
        return LearningRateSchedule.parse(lrSchedule);
    }

    /** The initial weights for {@code network}; {@code ownsModel}: this process must hold a pretrained model's values. */
    WeightInit weightInit(Network network, boolean ownsModel) {
        return Pretrained.initialWeights(initFrom, init, network, ownsModel);
    }

    /** These options for a child process. */
    List<String> asArguments() {
        return List.of("--network", Networks.portable(network), "--epochs", "" + epochs, "--batch", "" + batch, "--lr", "" + lr,
                "--lr-schedule", lrSchedule, "--momentum", "" + momentum, "--init", initFrom != null ? "pretrained" : init, "--seed", "" + seed);
    }

    /**
     * The defaults measured for split learning (the tutorial network, two epochs of batch 128 at
     * lr 0.05: 98.98% with a plain top, 98.89% with a secure one): the {@code split-*} commands'
     * default value provider; every other option keeps its declared default.
     */
    static final class SplitDefaults implements IDefaultValueProvider {
        private static final Map<String, String> SPLIT = Map.of("--network", "tutorial", "--epochs", "2", "--batch", "128",
                "--lr", "0.05");

        @Override
        public String defaultValue(ArgSpec argument) {
            return argument instanceof OptionSpec o ? SPLIT.get(o.longestName()) : null;
        }
    }
}
