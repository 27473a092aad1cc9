package org.spdz4j.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import org.spdz4j.core.transport.Role;
import org.spdz4j.data.Evaluation;
import org.spdz4j.data.Dataset;
import org.spdz4j.layers.ModelFile;
import org.spdz4j.net.NetworkRunner;
import org.spdz4j.split.DataHolder;
import org.spdz4j.split.LabelHolder;
import org.spdz4j.split.SecureTop;
import org.spdz4j.split.SplitData;
import org.spdz4j.split.SplitTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The participants of a split-learning run as separate processes over mutual TLS, each started
 * with the same {@link SplitOptions} and the run configuration (every participant's address and
 * pinned certificate, and the links between holders and the label holder):
 * {@code split-holder --id h}, {@code split-labels}, and in secure mode {@code split-party --id 0|1}
 * and {@code split-dealer}. Each prints its row of the traffic table when it finishes;
 * {@code split-demo} starts them all on localhost.
 */
final class SplitCommands {
    private SplitCommands() {
    }

    /**
     * What every participant does: connect as the configuration says, run its part, print its
     * traffic; after a break, with {@code --reconnect}, connect again and go on from the newest
     * epoch every participant saved ({@link #checkpoints} then says so).
     */
    abstract static class Participant implements Callable<Integer> {
        @Mixin
        ProcessOptions process;
        @Mixin
        SplitOptions split;
        @Mixin
        SplitCheckpointOptions saving;
        @Mixin
        ReconnectOptions reconnect;
        /** What this participant's part saves and goes on from: the options, then after a break the newest common epoch. */
        SplitTraining.Checkpoints checkpoints;

        /** Refuses, before connecting, state options {@code role} cannot use; sets {@link #checkpoints}. */
        void checkSaving(SplitTraining.Config c, Role role) {
            checkpoints = saving.checkpoints();
            checkpoints.check(c.where(), role);
            if (reconnect.times > 0 && SplitTraining.holdsState(c.where(), role) && checkpoints.dir() == null) {
                throw new IllegalArgumentException("--reconnect needs --checkpoint-dir at " + role + ": the run goes on from "
                        + ReconnectOptions.SPLIT);
            }
        }

        int run(Role role, NetworkRunner.Body<Void> body) throws Exception {
            SplitTraining.Config c = split.config();
            if (checkpoints == null) {
                checkSaving(c, role);
            }
            reconnect.run(role, ReconnectOptions.SPLIT, part -> process.run(role, SplitTraining.roles(c.where(), c.holders()),
                    part), t -> {
                        body.run(t);
                        System.out.print("traffic: " + SplitTraining.trafficRow(role, t.traffic()));
                        return Boolean.TRUE;
                    }, () -> checkpoints = checkpoints.again(c.where(), role));
            return 0;
        }
    }

    /**
     * The metrics of a split participant (step, seconds, the cross-entropy where this participant
     * computes it: the label holder of a plain top), opened before it connects.
     */
    static Metrics metrics(OutputOptions output, Role role, boolean knowsLoss) throws java.io.IOException {
        checkPlot(output, knowsLoss);
        return output.metrics("Split learning, " + role + "'s view", "cross_entropy", "step", "seconds", "cross_entropy");
    }

    /** Refuses {@code --plot} where no loss is known. */
    static void checkPlot(OutputOptions output, boolean knowsLoss) {
        if (output.plot != null && !knowsLoss) {
            throw new IllegalArgumentException("--plot shows the cross-entropy, which only the label holder of a plain top computes");
        }
    }

    /**
     * A participant's part, told after each step: the metrics' row, and if {@code bar} a progress
     * bar over the steps, shown from the first step's end (the connection's lines come before it).
     */
    static <T> T observed(Role role, boolean bar, Metrics metrics, java.util.function.Function<SplitTraining.Progress, T> part) {
        long start = System.nanoTime();
        ProgressBar[] shown = {null};
        try {
            return part.apply((step, steps, loss) -> {
                metrics.row(step + 1, (System.nanoTime() - start) / 1e9, loss);
                if (bar && shown[0] == null) {
                    shown[0] = PartyCommand.bar(role, steps);
                }
                if (shown[0] != null) {
                    shown[0].maxHint(steps);
                    shown[0].stepTo(step + 1);
                }
            });
        } finally {
            if (shown[0] != null) {
                shown[0].close();
            }
        }
    }

    @Command(name = "split-holder", mixinStandardHelpOptions = true, showDefaultValues = true,
        defaultValueProvider = RecipeOptions.SplitDefaults.class,
            description = "A data holder of a split run: its images, the bottom of the network; HOLDER0 assembles the model.")
    static final class Holder extends Participant {
        @Option(names = "--id", required = true, description = "this holder's number: 0, 1, ...")
        int id;
        @Option(names = "--images", required = true, description = "this holder's data: an IDX image file (with --ids), "
                + "a folder of images (each one's id its file name without the extension) or a CSV file with an id column")
        Path images;
        @Option(names = "--ids", description = "with an IDX file: the sample id of each image, one per line")
        Path ids;
        @Option(names = "--id-column", defaultValue = "id", description = "with a CSV file: the column of the sample ids")
        String idColumn;
        @Mixin
        DataOptions dataOptions;
        @Option(names = "--save-model", description = "HOLDER0: write the assembled model here")
        Path saveModel;
        @Option(names = "--test-data", description = "HOLDER0: MNIST directory whose t10k files test the assembled model")
        Path testData;
        @Option(names = "--test-images", defaultValue = "10000", description = "test the final model on this many test images")
        int testImages;

        @Override
        public Integer call() throws Exception {
            SplitTraining.Config c = split.config();
            if (id < 0 || id >= c.holders()) {
                throw new IllegalArgumentException("--id " + id + " outside 0.." + (c.holders() - 1));
            }
            checkSaving(c, SplitTraining.holder(id));
            // refused before connecting, not after hours
            SplitData.HolderPart data = SplitData.readHolder(images, ids, dataOptions.layout(c.network()), idColumn);
            DataOptions.requireInputFits(c.network(), data.images(), images.toString());
            Dataset test = testData == null ? null
                    : Dataset.load(testData, false, dataOptions.layout(c.network())).scaled(c.scaling());
            if (test != null) {
                DataOptions.requireFits(c.network(), test, testData.toString());
            }
            Role me = SplitTraining.holder(id);
            return run(me, t -> {
                SplitTraining.Busy busy = new SplitTraining.Busy();
                List<double[]> model = DataHolder.run(c, id, data, test, checkpoints, t, busy);
                System.out.println(me + ": bottom " + busy);
                if (model == null) {
                    return null;
                }
                if (saveModel != null) {
                    new ModelFile(c.network(), c.scaling(), model, test == null ? List.of() : test.classes(),
                            test == null ? null : test.featureScaling()).write(saveModel); // the statistics every holder took
                    System.out.println(me + ": model written to " + saveModel);
                }
                if (test != null) {
                    System.out.printf("%s: %s%n", me, OutputOptions.accuracy(Evaluation.accuracy(c.network(), model, test, testImages),
                            Math.min(testImages, test.size())));
                }
                return null;
            });
        }
    }

    @Command(name = "split-labels", mixinStandardHelpOptions = true, showDefaultValues = true,
        defaultValueProvider = RecipeOptions.SplitDefaults.class,
            description = "The label holder of a split run: matches the holders' sample ids, trains the top (plain) or shares the labels.")
    static final class Labels extends Participant {
        @Option(names = "--labels", required = true, description = "CSV file with the header id,label")
        Path labels;
        @Mixin
        OutputOptions output;

        @Override
        public Integer call() throws Exception {
            SplitData.LabelFile read = SplitData.readLabelFile(labels); // its labels and its classes' names, in one read
            Map<String, Integer> file = read.labels();
            SplitTraining.Config c = split.config();
            checkSaving(c, SplitTraining.LABELS);
            SplitData.requireClasses(file, c.network().outputs(), labels);
            boolean paces = c.where() == SplitTraining.Where.PLAIN; // in secure mode P0 shows the steps
            try (Metrics metrics = metrics(output, SplitTraining.LABELS, paces)) {
                return run(SplitTraining.LABELS, t -> observed(SplitTraining.LABELS, paces && output.showProgress(), metrics,
                        progress -> {
                            SplitTraining.Busy busy = new SplitTraining.Busy();
                            LabelHolder.run(c, file, read.classes(), checkpoints, t, progress, busy);
                            if (paces) {
                                System.out.println(SplitTraining.LABELS + ": top " + busy);
                            }
                            return null;
                        }));
            }
        }
    }

    @Command(name = "split-party", mixinStandardHelpOptions = true, showDefaultValues = true,
        defaultValueProvider = RecipeOptions.SplitDefaults.class,
            description = "Compute party P0 or P1 of a secure split run: trains the top on shares.")
    static final class Party extends Participant {
        @Option(names = "--id", required = true, description = "0 or 1")
        int id;
        @Mixin
        OutputOptions output;

        @Override
        public Integer call() throws Exception {
            Role role = ProcessOptions.computeParty(id);
            SplitTraining.Config c = split.config();
            checkSaving(c, role);
            try (Metrics metrics = metrics(output, role, false)) {
                return run(role, t -> observed(role, output.showProgress(), metrics, progress -> {
                    SplitTraining.Busy busy = new SplitTraining.Busy();
                    SecureTop.computeParty(c, checkpoints, t, progress, busy);
                    System.out.println(role + ": top on shares " + busy);
                    return null;
                }));
            }
        }
    }

    @Command(name = "split-dealer", mixinStandardHelpOptions = true, showDefaultValues = true,
        defaultValueProvider = RecipeOptions.SplitDefaults.class,
            description = "The dealer of a secure split run: correlated randomness for the top's plan.")
    static final class Dealer extends Participant {
        @Mixin
        DealerOptions dealing;

        @Override
        public Integer call() throws Exception {
            return run(Role.DEALER, t -> {
                SecureTop.dealer(split.config(), t, dealing.seed(), dealing.finishTimeout());
                return null;
            });
        }
    }
}
