package org.spdz4j.split;

import java.util.Set;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter.Direction;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.data.Dataset;
import org.spdz4j.layers.LearningRateSchedule;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;

/**
 * What one step of split learning costs, per step and per sample at the cut: a short run (every
 * participant a thread, two holders in round robin) measured from the run's counters.
 *
 * <pre>{@code
 * SplitBenchmark.Measurement m = SplitBenchmark.measure(net, SplitTraining.Where.SECURE, 64, 4, train);
 * System.out.println(m.row());
 * }</pre>
 */
public final class SplitBenchmark {
    /** Data holders of a measured run. */
    public static final int HOLDERS = 2;

    private SplitBenchmark() {
    }

    /**
     * One run's costs per step (wall seconds, rounds, P0's and the dealer's bytes sent; the last
     * two 0 in plain mode) and per sample at the cut (bytes a holder sends up and receives back),
     * and the mean seconds of a holder's and of the top's own computation per step.
     */
    public record Measurement(String mode, int batch, double secondsPerStep, double upBytesPerSample, double downBytesPerSample,
                       double roundsPerStep, double p0BytesPerStep, double dealerBytesPerStep, double holderSeconds,
                       double topSeconds) {
        /** The row of split-bench's Markdown table. */
        public String row() {
            boolean secure = "secure".equals(mode);
            return String.format(java.util.Locale.ROOT, "| %s | %d | %.3f | %.2f | %,.0f | %,.0f | %.0f | %s | %s | %.3f | %.3f |",
                    mode, batch, secondsPerStep, secondsPerStep / batch * 1e3, upBytesPerSample, downBytesPerSample,
                    roundsPerStep, secure ? String.format(java.util.Locale.ROOT, "%.1f", p0BytesPerStep / 1e6) : "-",
                    secure ? String.format(java.util.Locale.ROOT, "%.1f", dealerBytesPerStep / 1e6) : "-", holderSeconds, topSeconds);
        }
    }

    /** Two holders, {@code steps} steps each, of {@code network} (with a split) with the top {@code where}, at {@code batch}. */
    public static Measurement measure(Network network, SplitTraining.Where where, int batch, int steps, Dataset train) {
        int images = HOLDERS * steps * batch;
        String mode = where.name().toLowerCase(java.util.Locale.ROOT);
        SplitTraining.Config c = new SplitTraining.Config(network, HOLDERS, where, false,
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
