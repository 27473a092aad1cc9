package org.spdz4j.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.TrafficCounter.Direction;
import org.spdz4j.layers.LearningRateSchedule;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spdz split-bench}: what one step of split learning costs, per step and per sample at the
 * cut, for each mode and batch size: a short {@code split-train} run (every participant a thread,
 * two holders in round robin) of each, measured from the run's counters.
 */
@Command(name = "split-bench", mixinStandardHelpOptions = true,
        description = "Split learning's cost per step and per sample at the cut, plain and secure, for each batch size: "
                + "seconds, bytes each way, rounds, and the holder's compute against the top's.")
final class SplitBenchCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "directory with the MNIST IDX files")
    Path data;
    @Option(names = "--network", defaultValue = "tutorial", description = "tutorial or small")
    String network;
    @Option(names = "--steps", defaultValue = "4", description = "steps of each of the two holders per run")
    int steps;
    @Option(names = "--batches", defaultValue = "64,128", split = ",", description = "batch sizes")
    List<Integer> batches;
    @Option(names = "--modes", defaultValue = "plain,secure", split = ",", description = "plain and/or secure")
    List<String> modes;

    private static final int HOLDERS = 2;

    @Override
    public Integer call() throws Exception {
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        }
        Mnist train = Mnist.load(data, true);
        System.out.printf("split learning, %s network, %d holders in round robin, %d steps each; per step: the run's wall "
                + "time over its steps (setup included)%n", network, HOLDERS, steps);
        System.out.println("| mode | batch | s per step | ms per sample | cut up, bytes per sample | cut down, bytes per sample "
                + "| rounds per step | P0 sent, MB per step | dealer sent, MB per step | holder compute, s per step "
                + "| top compute, s per step |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (String mode : modes) {
            for (int batch : batches) {
                System.out.println(measure(network, mode, batch, steps, train).row());
            }
        }
        System.out.println("cut up: what a holder sends per sample (activations, or their masked shares); cut down: what it "
                + "receives (the cut gradient, one share from each party in secure mode); rounds: the cut's round trip "
                + "plus, in secure mode, P0's rounds in the top; top compute: the label holder's float top (plain) or P1's "
                + "step on shares from the arrival of the masked inputs, its exchanges with P0 and the dealer included (secure)");
        return 0;
    }

    /**
     * One run's costs per step (wall seconds, rounds, P0's and the dealer's bytes sent; the last
     * two 0 in plain mode) and per sample at the cut (bytes a holder sends up and receives back),
     * and the mean seconds of a holder's and of the top's own computation per step.
     */
    record Measurement(String mode, int batch, double secondsPerStep, double upBytesPerSample, double downBytesPerSample,
                       double roundsPerStep, double p0BytesPerStep, double dealerBytesPerStep, double holderSeconds,
                       double topSeconds) {
        String row() {
            boolean secure = SplitOptions.where(mode) == SplitTraining.Where.SECURE;
            return String.format(java.util.Locale.ROOT, "| %s | %d | %.3f | %.2f | %,.0f | %,.0f | %.0f | %s | %s | %.3f | %.3f |",
                    mode, batch, secondsPerStep, secondsPerStep / batch * 1e3, upBytesPerSample, downBytesPerSample,
                    roundsPerStep, secure ? String.format(java.util.Locale.ROOT, "%.1f", p0BytesPerStep / 1e6) : "-",
                    secure ? String.format(java.util.Locale.ROOT, "%.1f", dealerBytesPerStep / 1e6) : "-", holderSeconds, topSeconds);
        }
    }

    /** Two holders, {@code steps} steps each, of {@code network} in {@code mode} at {@code batch}. */
    static Measurement measure(String network, String mode, int batch, int steps, Mnist train) {
        int images = HOLDERS * steps * batch;
        SplitTraining.Config c = new SplitTraining.Config(SplitOptions.network(network), HOLDERS, SplitOptions.where(mode), false,
                1, batch, new Sgd(0.05, 0.9, 0), LearningRateSchedule.CONSTANT, WeightInit.normal(0.05), 1,
                train.fitScaling(images));
        long start = System.nanoTime();
        SplitTraining.Result r = SplitTraining.run(c, train, images);
        double seconds = (System.nanoTime() - start) / 1e9;
        int total = HOLDERS * steps;
        boolean secure = c.where() == SplitTraining.Where.SECURE;
        // HOLDER1 is not the model owner: its traffic with the top is the cut alone (HOLDER0 also receives the top)
        Role holder = SplitTraining.holder(1);
        Set<Role> top = secure ? Set.of(Role.P0, Role.P1) : Set.of(SplitTraining.LABELS);
        TrafficCounter h = r.traffic().get(holder);
        double samples = (double) steps * batch;
        return new Measurement(mode, batch, seconds / total,
                top.stream().mapToLong(p -> h.total(p, Direction.SENT).bytes()).sum() / samples,
                top.stream().mapToLong(p -> h.total(p, Direction.RECEIVED).bytes()).sum() / samples,
                1 + (secure ? (double) r.traffic().get(Role.P0).rounds() / total : 0),
                secure ? (double) r.traffic().get(Role.P0).total(Direction.SENT).bytes() / total : 0,
                secure ? (double) r.traffic().get(Role.DEALER).total(Direction.SENT).bytes() / total : 0,
                (r.busy().get(SplitTraining.holder(0)).secondsPerStep() + r.busy().get(holder).secondsPerStep()) / 2,
                // P1, not P0: P0's shares of the inputs come from seeds, so its step starts before the activations exist
                r.busy().get(secure ? Role.P1 : SplitTraining.LABELS).secondsPerStep());
    }
}
