package org.spdz4j.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter.Direction;
import org.spdz4j.data.Evaluation;
import org.spdz4j.data.Dataset;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.ModelFile;
import org.spdz4j.net.NettyTransport;
import org.spdz4j.training.Checkpoint;
import org.spdz4j.training.CommunicationReport;
import org.spdz4j.training.TrainingConfig;
import org.spdz4j.training.TrainingParty;
import org.spdz4j.training.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spdz party --id 0|1}: a compute party. P0 brings the images and receives the model; P1 brings the labels. */
@Command(name = "party", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Run compute party P0 (images, model owner) or P1 (labels).")
final class PartyCommand implements Callable<Integer> {
    @Mixin
    ProcessOptions process;
    @Mixin
    TrainingOptions training;
    @Mixin
    OutputOptions output;
    @Option(names = "--id", required = true, description = "0 or 1")
    int id;
    @Option(names = "--data", required = true, description = "data folder: MNIST's IDX files, image folders or CSV files "
            + "(docs/data.md); P0 reads the inputs, P1 the labels")
    Path data;
    @Mixin
    DataOptions dataOptions;
    @Option(names = "--save-model", description = "P0: write the revealed model here")
    Path saveModel;
    @Option(names = "--input-seed", description = "P0: 32 hex digits for reproducible input sharing (default: fresh)")
    String inputSeed;
    @Option(names = "--test-images", defaultValue = "10000", description = "P0: evaluate the revealed model on this many test images")
    int testImages;
    @Option(names = "--timing-file", hidden = true, description = "P0: write the mean seconds per step here (compare-backends)")
    Path timingFile;
    @Option(names = "--checkpoint-dir", description = "save this party's shares of model and momentum here")
    Path checkpointDir;
    @Option(names = "--checkpoint-every", defaultValue = "50", description = "steps between checkpoints")
    int checkpointEvery;
    @Option(names = "--resume", description = "continue from the checkpoint in --checkpoint-dir")
    boolean resume;
    @Mixin
    ReconnectOptions reconnect;
    /** The steps whose checkpoints this party holds when it connects ({0} for a fresh run). */
    private List<Integer> held;

    @Override
    public Integer call() throws Exception {
        Role role = ProcessOptions.computeParty(id);
        training.useBackend();
        TrainingConfig c = training.config(role.equals(Role.P0));
        // every input is checked before the first step: nothing fails after hours of training
        Dataset.Layout layout = dataOptions.layout(c.network());
        Dataset own = role.equals(Role.P0) ? Dataset.loadInputs(data, true, layout) : Dataset.loadLabels(data, true, layout);
        DataOptions.requireFits(c.network(), own, data.toString());
        training.requireExamples(own.size(), data.toString());
        // the images' owner scales its images by its own data; the values never leave P0 (the model file records them)
        InputScaling scaling = role.equals(Role.P0) ? training.scaling(own) : null;
        Dataset train = scaling == null ? own : own.scaled(scaling);
        if (scaling != null) {
            System.out.println("P0: pixel scaling (p/255 - mean) / sd with mean,sd = " + scaling);
        }
        Dataset test = role.equals(Role.P0) && testImages > 0 ? Dataset.load(data, false, layout).scaled(scaling) : null;
        if (saveModel != null && training.keepShared != null) {
            throw new IllegalArgumentException("--save-model reveals the model to P0 and --keep-shared keeps it on shares: "
                    + "choose one ('spdz combine-shares' rebuilds a model from both shares, where its owner holds both)");
        }
        if (saveModel != null && role.equals(Role.P0)) {
            Path parent = saveModel.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
                throw new IOException("--save-model " + saveModel + ": the directory " + parent + " does not exist or is not writable");
            }
        }
        if ((resume || reconnect.times > 0) && checkpointDir == null) {
            throw new IllegalArgumentException((resume ? "--resume" : "--reconnect") + " needs --checkpoint-dir");
        }
        held = resume ? Checkpoint.steps(checkpointDir, role) : List.of(0); // a fresh run starts at 0
        if (resume && held.isEmpty()) {
            throw new IOException("--resume: " + role + " has no usable checkpoint in " + checkpointDir);
        }
        TrainingParty.Checkpointing ck = checkpointDir == null ? null
                : new TrainingParty.Checkpointing(checkpointDir, checkpointEvery);
        int steps = training.steps(train.size());
        if (output.plot != null && !training.showLoss) {
            throw new IllegalArgumentException("--plot shows the loss, which an MPC run reveals only with --show-loss");
        }
        Metrics metrics = role.equals(Role.P0) ? output.metrics("MPC training, P0's view", "brier_score",
                "step", "seconds", "brier_score") : null;
        return reconnect.run(role, ReconnectOptions.TRAINING, body -> process.run(role, body),
                t -> train(t, role, c, train, ck, steps, metrics, scaling, test), () -> {
                    List<Integer> from = new java.util.ArrayList<>(List.of(0)); // from the start where no checkpoint is common yet
                    from.addAll(Checkpoint.steps(checkpointDir, role));
                    held = from;
                    resume = true;
                });
    }

    /** The run over the connected transport {@code t}, from a step both parties hold; its report at the end. */
    private int train(NettyTransport t, Role role, TrainingConfig c, Dataset train, TrainingParty.Checkpointing ck, int steps,
                      Metrics metrics, InputScaling scaling, Dataset test) throws IOException {
        t.limitTensorElements(Math.min(NettyTransport.MAX_TENSOR_ELEMENTS, TrainingRun.largestMessageValues(c)));
        TrainingRun.PartyResult r;
        ProgressBar[] bar = {null}; // from the first step on: the lines of the handshake and of the micro-batch choice come first
        try {
            long[] start = {0};
            int[] first = {0};
            Map<String, String> agreements = new java.util.LinkedHashMap<>(training.agreements());
            // P1's labels number the classes as its data names them, P0's test set as its own: the same names, or refused
            agreements.put("classes (the data's, in the model's output order)", org.spdz4j.layers.ClassNames.describe(train.classes()));
            r = TrainingRun.party(t, role, c, train, held, ProcessOptions.seed(inputSeed), agreements, ck, f -> {
                first[0] = f;
                start[0] = System.nanoTime();
                if (resume && f == steps) {
                    System.out.println(role + ": the run is finished (its final checkpoint, step " + f
                            + ", is held by both parties): revealing the model again, no step to train");
                } else if (resume) {
                    output.say(role + ": resuming at step " + f + " (checkpoints held: " + held + ")");
                }
                if (output.showProgress()) {
                    bar[0] = bar(role, steps);
                    bar[0].stepTo(f);
                }
            }, (step, loss) -> {
                double s = (System.nanoTime() - start[0]) / 1e9;
                if (metrics != null) {
                    metrics.row(step + 1, s, loss);
                }
                if (bar[0] != null) {
                    bar[0].step();
                    bar[0].setExtraMessage(String.format(" %.0f img/s%s", (step + 1 - first[0]) * c.batchSize() / s,
                            Double.isNaN(loss) ? "" : String.format(" Brier score %.3f", loss)));
                }
            });
        } finally {
            if (bar[0] != null) {
                bar[0].close();
            }
        }
        double step = r.stepSeconds();
        System.out.printf("%s: %d steps, %.2f s per step: compute %.2f, waiting for %s %.2f, waiting for the dealer %.2f%n",
                role, steps - r.firstStep(), step, step - r.peerWaitSeconds() - r.dealerWaitSeconds(), role.peer(),
                r.peerWaitSeconds(), r.dealerWaitSeconds());
        System.out.printf("%s: %d values a step from the dealer%n", role, t.traffic().total(Role.DEALER,
                Direction.RECEIVED).values() / r.stepsRun());
        if (r.outcome().shared() != null) {
            training.writeShare(r.outcome().shared(), train.classes());
        }
        if (role.equals(Role.P0)) {
            metrics.close();
            report(c, r, scaling, test, train);
            System.out.print(CommunicationReport.table(t.traffic(), r.outcome().scopes(), r.stepsRun()));
        }
        String notTold = TrainingRun.finish(t);
        if (notTold != null) {
            System.err.println(role + ": finished, but could not tell the dealer: " + notTold);
        }
        return 0;
    }

    /** P0's report: timing file, model file (with {@code train}'s classes and statistics), range check and test accuracy. */
    private void report(TrainingConfig c, TrainingRun.PartyResult r, InputScaling scaling, Dataset test, Dataset train)
            throws IOException {
        if (timingFile != null) {
            Files.writeString(timingFile, Double.toString(r.stepSeconds()));
        }
        if (saveModel != null) {
            try {
                new ModelFile(c.network(), scaling, r.outcome().model(), train.classes(), train.featureScaling())
                        .write(saveModel); // P0's data: its classes and, for a CSV, its columns' statistics
            } catch (IOException e) {
                throw new IOException("P0: " + e.getMessage() + (checkpointDir != null
                        ? "; the final step's shares are kept in " + checkpointDir + ": run the same command with --resume "
                        + "(and --save-model where there is room) to write the model without training again"
                        : "; with --checkpoint-dir a run keeps its final shares for that"), e);
            }
            System.out.println("P0: model written to " + saveModel);
        }
        if (c.rangeCheck()) {
            System.out.println("P0: " + TrainingParty.rangeReport(r.outcome().outOfRange(), r.stepsRun()));
        }
        if (test != null && r.outcome().model() == null) {
            System.out.println("P0: the model stays on shares, so P0 cannot test it: 'spdz serve' and 'spdz classify --data' do");
        } else if (test != null) {
            double accuracy = Evaluation.accuracy(c.network(), r.outcome().model(), test, testImages);
            System.out.println("P0: " + OutputOptions.accuracy(accuracy, Math.min(testImages, test.size())));
        }
    }

    /** The progress bar of a participant over its steps. */
    static ProgressBar bar(Role role, int steps) {
        return new ProgressBarBuilder().setTaskName(role.toString()).setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setUnit(" steps", 1).build();
    }
}
