package org.spdz4j.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.spdz4j.layers.ModelFile;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spdz split-train}: split learning with several data holders and a label holder, every participant a thread of this JVM. */
@Command(name = "split-train", mixinStandardHelpOptions = true,
        description = "Split learning in one JVM: data holders keep images and the bottom, the label holder the labels; "
                + "the top runs in the clear (plain) or on shares at P0 and P1 (secure).")
final class SplitTrainCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "directory with the MNIST IDX files")
    Path data;
    @Option(names = "--holders", defaultValue = "2", description = "data holders, each with a contiguous part of the images")
    int holders;
    @Option(names = "--mode", defaultValue = "plain", description = "plain (top in the clear at the label holder) or secure")
    String mode;
    @Option(names = "--parallel", description = "SplitFed: holders train at once, their bottoms averaged every epoch "
            + "(default: round robin, the bottom handed holder to holder)")
    boolean parallel;
    @Option(names = "--network", defaultValue = "tutorial", description = "tutorial (conv 1->32, batch norm, ReLU, max pool, "
            + "conv 32->64, batch norm, ReLU, max pool | dense 3136->128, ReLU, dense 128->10) or small")
    String network;
    @Option(names = "--epochs", defaultValue = "2")
    int epochs;
    @Option(names = "--batch", defaultValue = "128")
    int batch;
    @Option(names = "--train-images", defaultValue = "0", description = "the first N training images (0 = all)")
    int trainImages;
    @Option(names = "--lr", defaultValue = "0.05")
    double lr;
    @Option(names = "--momentum", defaultValue = "0.9")
    double momentum;
    @Option(names = "--seed", defaultValue = "1")
    long seed;
    @Option(names = "--test-images", defaultValue = "10000")
    int testImages;
    @Option(names = "--save-model", description = "write the assembled model (bottom and top) here")
    Path saveModel;

    static Network network(String name) {
        return switch (name) {
            case "tutorial" -> Network.builder()
                    .addConv2d(1, 32, 3, 1, 1).addBatchNorm2d(32).addRelu().addMaxPool2d(2)
                    .addConv2d(32, 64, 3, 1, 1).addBatchNorm2d(64).addRelu().addMaxPool2d(2)
                    .addFlatten().addSplit().addDense(3136, 128).addRelu().addDense(128, 10).build();
            case "small" -> Network.builder().addConv2d(1, 4, 3, 1, 1).addRelu().addMaxPool2d(2).addFlatten()
                    .addSplit().addDense(4 * 14 * 14, 10).build();
            default -> throw new IllegalArgumentException("unknown --network '" + name + "' (tutorial or small)");
        };
    }

    @Override
    public Integer call() throws Exception {
        SplitTraining.Where where = switch (mode) {
            case "plain" -> SplitTraining.Where.PLAIN;
            case "secure" -> SplitTraining.Where.SECURE;
            default -> throw new IllegalArgumentException("unknown --mode '" + mode + "' (plain or secure)");
        };
        // one JVM holds every part here, so the scaling is fitted over all of them (separate holders would agree on one)
        Mnist.Scaled sets = Mnist.loadScaled(data, m -> m.fitScaling(Mnist.imagesUsed(trainImages, m.size())));
        Mnist train = sets.train();
        Mnist test = sets.test();
        SplitTraining.Config c = new SplitTraining.Config(network(network), holders, where, parallel, epochs, batch, trainImages,
                new Sgd(lr, momentum, 0), WeightInit.normal(0.05), seed);
        int steps = SplitTraining.schedule(c, train.size()).size();
        System.out.printf("split learning, %s mode, %d holders %s, %d steps of %d: %s%n", mode, holders,
                parallel ? "in parallel (SplitFed)" : "in round robin", steps, batch,
                c.network().describe());
        long start = System.nanoTime();
        SplitTraining.Result r = SplitTraining.run(c, train);
        double seconds = (System.nanoTime() - start) / 1e9;
        double accuracy = Evaluation.accuracy(c.network(), r.model(), test, testImages);
        System.out.printf("test accuracy %.4f on %d images; %.1f s (%.3f s per step)%n", accuracy,
                Math.min(testImages, test.size()), seconds, seconds / steps);
        if (!r.traffic().isEmpty()) {
            System.out.print(SplitTraining.trafficTable(r.traffic()));
        }
        if (saveModel != null) {
            ModelFile.write(saveModel, c.network(), sets.scaling(), r.model());
            System.out.println("model written to " + saveModel);
        }
        return 0;
    }
}
