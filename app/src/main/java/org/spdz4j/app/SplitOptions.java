package org.spdz4j.app;

import java.util.ArrayList;
import java.util.List;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Networks;
import org.spdz4j.split.SplitTraining;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The public facts of a split-learning run, as every {@code split-*} command takes them. */
final class SplitOptions {
    @Mixin
    RecipeOptions recipe;
    @Option(names = "--holders", defaultValue = "2", description = "data holders")
    int holders;
    @Option(names = "--top", defaultValue = "plain", description = "where the top of the network runs: plain (in the clear at "
            + "the label holder) or secure (on shares at P0 and P1, with a dealer)")
    String mode;
    @Option(names = "--parallel", description = "SplitFed: holders train at once, their bottoms averaged every epoch "
            + "(default: round robin, the bottom handed holder to holder)")
    boolean parallel;
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
        return new SplitTraining.Config(network(recipe.network), holders, where(), parallel, recipe.epochs, recipe.batch,
                recipe.sgd(0), recipe.schedule(), recipe.weightInit(network(recipe.network), true), recipe.seed, scaling);
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
        List<String> a = new ArrayList<>(recipe.asArguments());
        a.addAll(List.of("--holders", "" + holders, "--top", mode, "--pixel-scaling", scaling.toString()));
        if (parallel) {
            a.add("--parallel");
        }
        if (recipe.initFrom != null) {   // every split participant starts its part from the pretrained model
            a.addAll(List.of("--init-from", recipe.initFrom.toAbsolutePath().toString()));
        }
        return a;
    }
}
