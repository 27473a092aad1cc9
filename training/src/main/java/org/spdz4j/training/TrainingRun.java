package org.spdz4j.training;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.IntConsumer;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.data.Dataset;
import org.spdz4j.triples.Dealer;
import org.spdz4j.triples.Handshake;
import org.spdz4j.triples.Plan;

/**
 * Each participant's part of a two-party training run (the MPC mode) over a connected
 * {@link Transport}: a compute party ({@link #party}) and the dealer ({@link #dealer}). The
 * {@code party} and {@code dealer} commands connect (TLS, run.yaml) and call these; nothing here
 * knows how the transport was made.
 *
 * <pre>{@code
 * TrainingRun.PartyResult r = TrainingRun.party(t, Role.P0, config, images, List.of(0), seed, facts, null,
 *         first -> { }, (step, loss) -> { });
 * List<double[]> model = r.outcome().model();        // revealed to P0 only
 * }</pre>
 */
public final class TrainingRun {
    private TrainingRun() {
    }

    /**
     * What a compute party's run did.
     *
     * @param outcome           the model (at P0), the steps' time and the range check's flags
     * @param firstStep         the step it started at (0, or the checkpoint both parties held)
     * @param stepsRun          steps it ran (at least 1 for the averages)
     * @param peerWaitSeconds   per step, seconds spent waiting for the other party
     * @param dealerWaitSeconds per step, seconds spent waiting for the dealer
     */
    public record PartyResult(TrainingParty.Outcome outcome, int firstStep, int stepsRun, double peerWaitSeconds,
                              double dealerWaitSeconds) {
        /** Wall seconds per step. */
        public double stepSeconds() {
            return outcome.nanos() / 1e9 / stepsRun;
        }
    }

    /**
     * P0's or P1's part: agree with the peer on the first step ({@code held}: the steps of this
     * party's checkpoints, or {@code [0]} for a fresh run), the handshake (plan hash, facts
     * {@code agreements}, seeds), then every step. {@code started} hears the first step before
     * the first step runs.
     */
    public static PartyResult party(Transport t, Role role, TrainingConfig c, Dataset train, List<Integer> held,
                                    byte[] inputSeed, Map<String, String> agreements, TrainingParty.Checkpointing ck,
                                    IntConsumer started, TrainingParty.StepListener afterStep) throws IOException {
        int[][] batches = LocalTraining.batches(c, train.size());
        Plan plan = TrainingParty.plan(c);
        int first = Handshake.commonStep(t, held); // both fresh, or both resuming from a step both hold
        Handshake.Party joined = Handshake.computeParty(t, plan, c.fixedPoint(), first, batches.length, inputSeed, agreements);
        c = MicroBatchChoice.settle(t, c); // before the first step is heard of
        long peerWaitBefore = t.traffic().waitNanos(role.peer());
        long dealerWaitBefore = t.traffic().waitNanos(Role.DEALER);
        started.accept(first);
        TrainingParty.Outcome o = TrainingParty.run(joined.party(), joined.randomness(), c, train, batches, first, ck, false,
                afterStep);
        int ran = Math.max(1, batches.length - first);
        return new PartyResult(o, first, ran, (t.traffic().waitNanos(role.peer()) - peerWaitBefore) / 1e9 / ran,
                (t.traffic().waitNanos(Role.DEALER) - dealerWaitBefore) / 1e9 / ran);
    }

    /**
     * The most ring values one message of this run carries: a transport can refuse any larger
     * announcement from a peer before allocating it (the dealer receives no tensor at all).
     */
    public static long largestMessageValues(TrainingConfig c) {
        return TrainingParty.plan(c).largestMessageValues();
    }

    /**
     * Tells the dealer this party finished: the dealer counts the run a success only when both
     * parties say so. Returns the reason if it could not be told (the training itself succeeded).
     */
    public static String finish(Transport t) {
        try {
            Handshake.done(t);
            return null;
        } catch (RuntimeException dealerGone) {
            return dealerGone.getMessage();
        }
    }

    /**
     * What the dealer did.
     *
     * @param firstStep   where both parties started
     * @param steps       the run's steps
     * @param busySeconds per step produced, the dealer's own computation
     */
    public record DealerResult(int firstStep, int steps, double busySeconds) {
    }

    /**
     * The dealer's part: every step's correlated randomness from {@code firstStep} (agreed with
     * both parties) on, then a wait of up to {@code finish} for both parties' word that they finished.
     * {@code produced} hears the first step once every step is produced.
     */
    public static DealerResult dealer(Transport t, TrainingConfig c, int steps, byte[] seed, Duration finish,
                                      IntConsumer produced) {
        Plan plan = TrainingParty.plan(c);
        Dealer dealer = new Dealer(plan, t, seed);
        int first = dealer.setup(steps); // where both parties start: 0, or their common checkpoint
        for (int s = first; s < steps; s++) {
            dealer.produce(s);
        }
        produced.accept(first);
        Handshake.awaitParties(t, finish);
        return new DealerResult(first, steps, dealer.busyNanos() / 1e9 / Math.max(1, steps - first));
    }
}
