package org.spdz4j.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.transport.Role;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.ModelFile;
import org.spdz4j.net.NettyTransport;
import org.spdz4j.triples.Handshake;
import org.spdz4j.triples.PartyRandomness;
import org.spdz4j.triples.Plan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spdz party --id 0|1}: a compute party. P0 brings the images and receives the model; P1 brings the labels. */
@Command(name = "party", mixinStandardHelpOptions = true, description = "Run compute party P0 (images, model owner) or P1 (labels).")
final class PartyCommand implements Callable<Integer> {
    @Mixin
    ProcessOptions process;
    @Mixin
    TrainingOptions training;
    @Option(names = "--id", required = true, description = "0 or 1")
    int id;
    @Option(names = "--data", required = true, description = "MNIST directory (P0 reads the images, P1 the labels)")
    Path data;
    @Option(names = "--save-model", description = "P0: write the revealed model here")
    Path saveModel;
    @Option(names = "--input-seed", description = "P0: 32 hex digits for reproducible input sharing (default: fresh)")
    String inputSeed;
    @Option(names = "--test-images", defaultValue = "10000", description = "P0: evaluate the revealed model on this many test images")
    int testImages;
    @Option(names = "--timing-file", hidden = true, description = "P0: write the mean seconds per step here (compare-backends)")
    Path timingFile;
    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;
    @Option(names = "--checkpoint-dir", description = "save this party's shares of model and momentum here")
    Path checkpointDir;
    @Option(names = "--checkpoint-every", defaultValue = "50", description = "steps between checkpoints")
    int checkpointEvery;
    @Option(names = "--resume", description = "continue from the checkpoint in --checkpoint-dir")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        Role role = ProcessOptions.computeParty(id);
        training.useBackend();
        TrainingConfig c = training.config();
        // every input is checked before the first step: nothing fails after hours of training
        Mnist own = role.equals(Role.P0) ? Mnist.loadImages(data, true) : Mnist.loadLabels(data, true);
        // the images' owner scales its images by its own data; the values never leave P0 (the model file records them)
        InputScaling scaling = role.equals(Role.P0) ? training.scaling(own) : null;
        Mnist train = scaling == null ? own : own.scaled(scaling);
        if (scaling != null) {
            System.out.println("P0: pixel scaling (p/255 - mean) / sd with mean,sd = " + scaling);
        }
        Mnist test = role.equals(Role.P0) && testImages > 0 ? Mnist.load(data, false).scaled(scaling) : null;
        if (saveModel != null && role.equals(Role.P0)) {
            Path parent = saveModel.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
                throw new IOException("--save-model " + saveModel + ": the directory " + parent + " does not exist or is not writable");
            }
        }
        int[][] batches = LocalTraining.batches(c, train.size());
        Plan plan = TrainingParty.model(c, role).plan();
        if (resume && checkpointDir == null) {
            throw new IllegalArgumentException("--resume needs --checkpoint-dir");
        }
        List<Integer> held = resume ? Checkpoint.steps(checkpointDir, role) : List.of(0); // a fresh run starts at 0
        if (resume && held.isEmpty()) {
            throw new IOException("--resume: " + role + " has no usable checkpoint in " + checkpointDir);
        }
        TrainingParty.Checkpointing ck = checkpointDir == null ? null
                : new TrainingParty.Checkpointing(checkpointDir, checkpointEvery);
        return process.run(role, t -> {
            t.limitTensorElements(Math.min(NettyTransport.MAX_TENSOR_ELEMENTS, plan.largestMessageValues()));
            int first = Handshake.commonStep(t, held); // both fresh, or both resuming from a step both hold
            if (resume) {
                System.out.println(role + ": resuming at step " + first + " (checkpoints held: " + held + ")");
            }
            Handshake.Party joined = Handshake.computeParty(t, plan, c.fixedPoint(), first, batches.length,
                    ProcessOptions.seed(inputSeed), training.agreements());
            ComputeParty party = joined.party();
            PartyRandomness randomness = joined.randomness();
            long peerWaitBefore = t.traffic().waitNanos(role.peer());
            long dealerWaitBefore = t.traffic().waitNanos(Role.DEALER);
            TrainingParty.Outcome o;
            try (ProgressBar bar = noProgress ? null : bar(role, batches.length)) {
                long start = System.nanoTime();
                if (bar != null) {
                    bar.stepTo(first);
                }
                o = TrainingParty.run(party, randomness, c, train, batches, first, ck, false, (step, loss) -> {
                    if (bar != null) {
                        double s = (System.nanoTime() - start) / 1e9;
                        bar.step();
                        bar.setExtraMessage(String.format(" %.0f img/s%s", (step + 1 - first) * c.batchSize() / s,
                                Double.isNaN(loss) ? "" : String.format(" loss %.3f", loss)));
                    }
                });
            }
            int ran = Math.max(1, batches.length - first);
            double peerWait = (t.traffic().waitNanos(role.peer()) - peerWaitBefore) / 1e9 / ran;
            double dealerWait = (t.traffic().waitNanos(Role.DEALER) - dealerWaitBefore) / 1e9 / ran;
            double step = o.nanos() / 1e9 / ran;
            System.out.printf("%s: %d steps, %.2f s per step: compute %.2f, waiting for %s %.2f, waiting for the dealer %.2f%n",
                    role, batches.length - first, step, step - peerWait - dealerWait, role.peer(), peerWait, dealerWait);
            if (role.equals(Role.P0)) {
                if (timingFile != null) {
                    Files.writeString(timingFile, Double.toString(step));
                }
                if (saveModel != null) {
                    ModelFile.write(saveModel, c.network(), scaling, o.model());
                    System.out.println("P0: model written to " + saveModel);
                }
                if (c.rangeCheck()) {
                    System.out.println("P0: " + TrainingParty.rangeReport(o.outOfRange(), ran));
                }
                if (test != null) {
                    double accuracy = Evaluation.accuracy(c.network(), o.model(), test, testImages);
                    System.out.printf("P0: test accuracy %.4f on %d images%n", accuracy, Math.min(testImages, test.size()));
                }
                System.out.print(CommunicationReport.table(t.traffic(), o.scopes(), ran));
            }
            try {
                Handshake.done(t); // the dealer counts the run a success only when both parties say so
            } catch (RuntimeException dealerGone) {
                System.err.println(role + ": finished, but could not tell the dealer: " + dealerGone.getMessage());
            }
            return 0;
        });
    }

    private static ProgressBar bar(Role role, int steps) {
        return new ProgressBarBuilder().setTaskName(role.toString()).setInitialMax(steps)
                .setStyle(ProgressBarStyle.ASCII).setUnit(" steps", 1).build();
    }
}
