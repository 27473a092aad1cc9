package org.spdz4j.app;

import java.util.ArrayList;
import java.util.List;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.LearningRateSchedule;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Networks;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;
import org.spdz4j.split.SplitTraining;
import picocli.CommandLine.Option;

/** The public facts of a split-learning run, as every {@code split-*} command takes them. */
final class SplitOptions {
    @Option(names = "--holders", defaultValue = "2", description = "data holders")
    int holders;
    @Option(names = "--top", defaultValue = "plain", description = "where the top of the network runs: plain (in the clear at "
            + "the label holder) or secure (on shares at P0 and P1, with a dealer)")
    String mode;
    @Option(names = "--parallel", description = "SplitFed: holders train at once, their bottoms averaged every epoch "
            + "(default: round robin, the bottom handed holder to holder)")
    boolean parallel;
    @Option(names = "--network", defaultValue = "tutorial", description = "a network of the catalogue, cut after its "
            + "flattening (pool: max, act: relu): ${spdz.networks}")
    String network;
    @Option(names = "--epochs", defaultValue = "2", description = "passes of every holder over its samples")
    int epochs;
    @Option(names = "--batch", defaultValue = "128", description = "images per step")
    int batch;
    @Option(names = "--lr", defaultValue = "0.05", description = "SGD learning rate (at the start of the schedule)")
    double lr;
    @Option(names = "--lr-schedule", defaultValue = "cosine", description = "cosine (half a cosine to 0 over the run), "
            + "linear (falling to 0 over the run) or constant")
    String lrSchedule;
    @Option(names = "--momentum", defaultValue = "0.9", description = "SGD momentum")
    double momentum;
    @Option(names = "--init", defaultValue = "0.05", description = "initial weights: a standard deviation (N(0, s^2)) "
            + "or he (N(0, 2/fan-in))")
    String init;
    @Option(names = "--seed", defaultValue = "1", description = "seeds the initial weights and the data order")
    long seed;
    @Option(names = "--pixel-scaling", defaultValue = "data", description = "data (split-train: mean 0, sd 1 over the "
            + "training images; the holders of separate processes must be given one: unit or MEAN,SD)")
    String pixelScaling;

    static Network network(String name) {
        return Networks.build(name, Networks.maxPool(), Networks.relu(), true);
    }

    SplitTraining.Where where() {
        return where(mode);
    }

    /** {@code plain} or {@code secure}, as {@code --top} takes it. */
    static SplitTraining.Where where(String mode) {
        return switch (mode) {
            case "plain" -> SplitTraining.Where.PLAIN;
            case "secure" -> SplitTraining.Where.SECURE;
            default -> throw new IllegalArgumentException("unknown --top '" + mode + "' (plain or secure)");
        };
    }

    /** The run with pixels scaled by {@code scaling}. */
    SplitTraining.Config config(InputScaling scaling) {
        return new SplitTraining.Config(network(network), holders, where(), parallel, epochs, batch, new Sgd(lr, momentum, 0),
                LearningRateSchedule.parse(lrSchedule), WeightInit.parse(init), seed, scaling);
    }

    /** The run of a separate process: the scaling must be given, each holder cannot fit its own. */
    SplitTraining.Config config() {
        if (pixelScaling.equals("data")) {
            throw new IllegalArgumentException("--pixel-scaling: the holders of a split run scale alike; give unit or MEAN,SD "
                    + "(data is for split-train, where one process holds every part)");
        }
        return config(InputScaling.parse(pixelScaling));
    }

    /** These options for a child process, the scaling given. */
    List<String> asArguments(InputScaling scaling) {
        List<String> a = new ArrayList<>(List.of("--holders", "" + holders, "--top", mode, "--network", network,
                "--epochs", "" + epochs, "--batch", "" + batch, "--lr", "" + lr, "--lr-schedule", lrSchedule, "--momentum", "" + momentum,
                "--init", init, "--seed", "" + seed, "--pixel-scaling", scaling.toString()));
        if (parallel) {
            a.add("--parallel");
        }
        return a;
    }
}
