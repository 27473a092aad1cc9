package org.spdz4j.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.spdz4j.core.ring.RingBackends;
import org.spdz4j.data.Evaluation;
import org.spdz4j.data.Dataset;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.ModelFile;
import org.spdz4j.layers.SharedModel;
import org.spdz4j.training.CommunicationReport;
import org.spdz4j.training.LocalTraining;
import org.spdz4j.training.TrainingConfig;
import org.spdz4j.training.TrainingParty;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spdz train}: the seed CNN trained on secret-shared MNIST, P0, P1 and the dealer in this JVM. */
@Command(name = "train", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Train a network of the catalogue on secret-shared MNIST (P0 images, P1 labels, dealer) in one JVM.")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "data folder: MNIST's IDX files (gzipped or not), "
            + "image folders train/ and test/, or train.csv and test.csv (docs/data.md)")
    Path data;
    @Mixin
    DataOptions dataOptions;
    @Mixin
    TrainingOptions training;
    @Option(names = "--test-images", defaultValue = "10000", description = "test the final model on this many test images")
    int testImages;
    @Option(names = "--twin", description = "also train the float twin on the same batches and compare")
    boolean twin;
    @Option(names = "--save-model", description = "write the model revealed to P0 to this file")
    Path saveModel;
    @Option(names = "--plaintext", description = "train only the float twin (the same maths, in the clear): minutes "
            + "instead of hours, to tune a recipe before paying for MPC")
    boolean plaintext;
    @Mixin
    OutputOptions output;

    @Override
    public Integer call() throws Exception {
        TrainingConfig c = training.config();
        Dataset.Scaled sets = Dataset.loadScaled(data, dataOptions.layout(c.network()), training::scaling);
        Dataset train = sets.train();
        Dataset test = sets.test();
        DataOptions.requireFits(c.network(), train, data.toString());
        InputScaling scaling = sets.scaling();
        training.useBackend();
        int steps = LocalTraining.batches(c, train.size()).length;
        if (saveModel != null && training.keepShared != null) {
            throw new IllegalArgumentException("--save-model reveals the model and --keep-shared keeps it on shares: choose one");
        }
        if (plaintext && training.keepShared != null) {
            throw new IllegalArgumentException("--plaintext trains in the clear: there are no shares to keep (--keep-shared)");
        }
        if (plaintext) {
            return plaintext(c, train, test, scaling, steps);
        }
        output.say(String.format("training %s on %d steps of %d images, %s mode, backend %s",
                c.network().describe(), steps, c.batchSize(), c.mode(), RingBackends.current().name()));
        long start = System.nanoTime();
        LocalTraining.Result r;
        // the parties' threads reveal no loss here: the metrics are the steps' times
        try (Metrics metrics = output.metrics("MPC training", "seconds", "step", "seconds")) {
            r = LocalTraining.run(c, train, step -> {
                double s = (System.nanoTime() - start) / 1e9;
                metrics.row(step + 1, s);
                if (step % 10 == 0 || step == steps - 1) {
                    output.say(String.format("step %d/%d  %.1f s  %.2f s/step", step + 1, steps, s, s / (step + 1)));
                }
            });
        }
        if (r.shared() != null) { // nothing revealed: both shares written, one file per party
            System.out.printf("MPC: the model stays on shares; %.2f s/step online, dealer busy %.2f s/step%n",
                    r.onlineNanos() / 1e9 / r.steps(), r.dealerBusyNanos() / 1e9 / r.steps());
            for (SharedModel share : r.shared()) {
                training.writeShare(share, train.classes());
            }
            System.out.print(CommunicationReport.table(r));
            return 0;
        }
        double accuracy = Evaluation.accuracy(c.network(), r.model(), test, testImages);
        System.out.printf("MPC: %s; %.2f s/step online, dealer busy %.2f s/step%n",
                OutputOptions.accuracy(accuracy, Math.min(testImages, test.size())), r.onlineNanos() / 1e9 / r.steps(),
                r.dealerBusyNanos() / 1e9 / r.steps());
        if (c.rangeCheck()) {
            System.out.println(TrainingParty.rangeReport(r.outOfRange(), r.steps()));
        }
        if (saveModel != null) {
            new ModelFile(c.network(), scaling, r.model(), train.classes(), train.featureScaling()).write(saveModel);
            System.out.println("model written to " + saveModel);
        }
        if (twin) {
            FloatModel m = LocalTraining.trainTwin(c, train).model();
            double twinAccuracy = Evaluation.accuracy(c.network(), m.paramValues(), test, testImages);
            System.out.printf("float twin: test accuracy %.2f%% (difference %.2f points)%n", 100 * twinAccuracy,
                    100 * (accuracy - twinAccuracy));
        }
        System.out.print(CommunicationReport.table(r));
        return 0;
    }

    /** {@code --plaintext}: the float twin alone, evaluated after each epoch. */
    private int plaintext(TrainingConfig c, Dataset train, Dataset test, InputScaling scaling, int steps) throws java.io.IOException {
        output.say("float kernels: " + FloatModel.kernels());
        long start = System.nanoTime();
        long[] evaluating = {0};
        int perEpoch = steps / c.epochs();
        LocalTraining.Twin t;
        try (Metrics metrics = output.metrics("Plaintext training", "cross_entropy",
                "step", "seconds", "cross_entropy", "test_accuracy")) {
            t = LocalTraining.trainTwin(c, train, (model, step, loss) -> {
                double trained = (System.nanoTime() - start - evaluating[0]) / 1e9;
                double accuracy = Double.NaN;
                if ((step + 1) % perEpoch == 0 && step + 1 < steps) { // the last epoch is evaluated below
                    long evalStart = System.nanoTime();
                    accuracy = Evaluation.accuracy(c.network(), model.paramValues(), test, testImages);
                    evaluating[0] += System.nanoTime() - evalStart;
                    output.say(String.format("epoch %d: test accuracy %.2f%% after %.1f s of training", (step + 1) / perEpoch,
                            100 * accuracy, trained));
                }
                metrics.row(step + 1, trained, loss, accuracy);
            });
        }
        double seconds = (System.nanoTime() - start - evaluating[0]) / 1e9;
        double accuracy = Evaluation.accuracy(c.network(), t.model().paramValues(), test, testImages);
        double[] losses = t.losses();
        System.out.printf("plaintext %s: %d steps of %d in %.1f s; last cross-entropy %.4f; %s%n",
                c.network().describe(), steps, c.batchSize(), seconds, losses[losses.length - 1],
                OutputOptions.accuracy(accuracy, Math.min(testImages, test.size())));
        if (saveModel != null) {
            new ModelFile(c.network(), scaling, t.model().paramValues(), train.classes(), train.featureScaling()).write(saveModel);
            System.out.println("model written to " + saveModel);
        }
        return 0;
    }
}
