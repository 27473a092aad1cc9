package org.spdz4j.federated;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.data.Evaluation;
import org.spdz4j.data.Dataset;
import org.spdz4j.federated.FederatedTraining.Config;
import org.spdz4j.federated.FederatedTraining.Result;
import org.spdz4j.federated.FederatedTraining.Round;
import org.spdz4j.federated.FederatedTraining.RoundListener;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.run.Messages;

/**
 * The coordinator's part of a federated run: it holds the global model, sends it to each round's
 * sampled clients, takes the aggregators' sum (revealed to it alone), updates the model and tests
 * it after each round.
 *
 * <pre>{@code
 * FederatedTraining.Result r = Coordinator.run(config, scaling, transport, test, 10_000, round -> { });
 * }</pre>
 */
public final class Coordinator {
    private Coordinator() {
    }

    /**
     * The coordinator's part: per round the global model to the round's sample, the word to the
     * aggregators that the round begins, the sum (or the word that it was skipped), the model's
     * step, its test accuracy. Returns the final model and the rounds. With its facts it tells
     * everyone the run's classes, by which each client numbers its own: {@code test}'s, or, where
     * {@code test} is null, 0, 1, ... (MNIST's digits); and, where {@code test} is a CSV's, the
     * statistics of its training file, by which each client standardises its own columns.
     */
    public static Result run(Config c, InputScaling scaling, Transport t, Dataset test, int testImages, RoundListener listener)
            throws IOException {
        return run(c, scaling, t, test, testImages, listener, FederatedTraining.Checkpoints.NONE);
    }

    /**
     * As {@link #run(Config, InputScaling, Transport, Dataset, int, RoundListener)}, saving its
     * state after each round into {@code checkpoints}' folder, and with its {@code resume}
     * starting from the newest saved state: the aggregators, the dealer and the clients are told
     * the first round, and the run goes on exactly as the uninterrupted one would have. Returns
     * the final model and the rounds run here.
     */
    public static Result run(Config c, InputScaling scaling, Transport t, Dataset test, int testImages, RoundListener listener,
                             FederatedTraining.Checkpoints checkpoints) throws IOException {
        Map<String, String> runFacts = FederatedTraining.facts(c, scaling);
        List<String> classes = test != null ? test.classes() : FederatedTraining.numbered(c.network().outputs());
        if (classes.size() != c.network().outputs()) {
            throw new IllegalArgumentException("the test data has " + classes.size() + " classes but the network has "
                    + c.network().outputs() + " outputs");
        }
        byte[] facts = FederatedTraining.coordinatorsFacts(runFacts,
                new FederatedTraining.Stated(classes, test != null ? test.featureScaling() : null));
        FloatModel global = FederatedTraining.initialModel(c);
        Shape vector = FederatedTraining.vector(c);
        int size = vector.size() - 1;
        double[] velocity = new double[size];
        int first = 0;
        RoundCheckpoint saved = resumption(c, scaling, checkpoints);
        if (saved != null) {
            first = saved.nextRound();
            global.load(saved.model());
            velocity = saved.velocity();
            System.out.printf("%s: resuming at round %d from %s%n", t.self(), first + 1,
                    RoundCheckpoint.file(checkpoints.dir(), first));
        }
        List<Role> aggregators = c.secure() ? List.of(Role.P0, Role.P1) : List.of(Role.P0); // the reference adds at P0 alone
        for (Role r : aggregators) {
            t.sendBytes(r, FederatedTraining.tag(0, FederatedTraining.FACTS), facts);
            FederatedTraining.sendRound(t, r, FederatedTraining.FIRST_ROUND, first);
        }
        Map<Role, Integer> told = new HashMap<>(); // each client's connection count when it was told the facts
        List<Round> log = new ArrayList<>();
        for (int round = first; round < c.rounds(); round++) {
            List<Integer> sampled = FederatedTraining.sample(c, round);
            List<double[]> roundStart = global.paramValues();
            long start = System.nanoTime();
            welcome(t, c, facts, told, round, first);
            List<Role> given = new ArrayList<>(); // the clients given the model: the aggregators wait for no other
            for (int k : sampled) {
                Role client = FederatedTraining.client(k);
                int r = round;
                if (told.getOrDefault(client, 0) > 0 && FederatedTraining.sendOrLeaveOut(t, client,
                        () -> Messages.sendDoubles(t, client, Tag.Kind.WEIGHTS, r, roundStart))) {
                    given.add(client);
                }
            }
            for (Role a : aggregators) {
                t.sendBytes(a, FederatedTraining.tag(round, FederatedTraining.BEGIN), FederatedTraining.names(given));
            }
            Duration answer = c.deadline().plus(FederatedTraining.ROUND_WAIT);
            SecureAggregation.Sum agg = SecureAggregation.receive(t, round, vector, answer, aggregators);
            double aggregation = java.nio.ByteBuffer.wrap(t.receiveBytes(Role.P0, FederatedTraining.tag(round, FederatedTraining.TIMING))).getDouble();
            double roundSeconds = (System.nanoTime() - start) / 1e9;
            double[] sum = agg.skipped() ? null : FederatedTraining.FP.decode(agg.value());
            String unusable = sum == null ? null : unusable(c, sum, agg.clients());
            if (agg.skipped()) {
                System.err.printf("round %d skipped: %d clients in, fewer than the minimum %d; nothing revealed%n",
                        round + 1, agg.clients(), Math.max(1, c.minimum()));
            } else if (unusable != null) {
                System.err.printf("round %d skipped: the sum of its %d clients' updates is unusable (%s); the model "
                        + "stays as it was%n", round + 1, agg.clients(), unusable);
            } else {
                double examples = sum[size];
                double[] next = FederatedTraining.flatten(roundStart);
                for (int i = 0; i < size; i++) {
                    double step = sum[i] / examples;
                    velocity[i] = c.beta() * velocity[i] + step;
                    next[i] += c.beta() == 0 ? step : velocity[i];
                }
                global.load(FederatedTraining.unflatten(next, roundStart));
            }
            double accuracy = Evaluation.accuracy(c.network(), global.paramValues(), test, testImages);
            long upload = (c.secure() ? 16 : 0) + 16L * vector.size(); // a seed to P0 and the masked vector to P1
            Round done = new Round(round, sampled, agg.clients(), agg.skipped() || unusable != null, accuracy, upload,
                    Math.max(0, roundSeconds - aggregation), aggregation);
            log.add(done);
            if (checkpoints.dir() != null) {
                RoundCheckpoint.write(checkpoints.dir(), runFacts, new RoundCheckpoint(round + 1, global.paramValues(),
                        velocity.clone()));
            }
            listener.after(done);
        }
        return new Result(global.paramValues(), log);
    }

    /**
     * The state a run resumes from (null where {@code checkpoints} do not resume): the newest
     * saved in their folder, refused (naming what to change) where there is none, it belongs to
     * another run, or no round of {@code c} is left after it. A command calls it before it
     * connects, so a resume that cannot be is refused before anyone waits.
     */
    public static RoundCheckpoint resumption(Config c, InputScaling scaling, FederatedTraining.Checkpoints checkpoints)
            throws IOException {
        if (!checkpoints.resume()) {
            return null;
        }
        RoundCheckpoint saved = RoundCheckpoint.latest(checkpoints.dir(), FederatedTraining.facts(c, scaling),
                FederatedTraining.initialModel(c).paramValues());
        if (saved.nextRound() >= c.rounds()) {
            throw new IllegalArgumentException("--resume: " + RoundCheckpoint.file(checkpoints.dir(), saved.nextRound())
                    + " holds the model after round " + saved.nextRound() + ", and --rounds is " + c.rounds()
                    + ": give more --rounds to go on");
        }
        return saved;
    }

    /**
     * Tells each client connected since it was last told (at the start, having joined late, or
     * come back after its connection ended) the run's facts and the first round it may be in,
     * {@code round}; this run's first round is {@code first}.
     */
    private static void welcome(Transport t, Config c, byte[] facts, Map<Role, Integer> told, int round, int first) {
        for (int k = 0; k < c.clients(); k++) {
            Role client = FederatedTraining.client(k);
            int joins = t.joins(client);
            if (joins <= told.getOrDefault(client, 0)) {
                continue;
            }
            told.put(client, joins);
            if (round > first) {
                System.err.printf("round %d: %s %s: it may be in from this round%n", round + 1, client,
                        joins == 1 ? "joined late" : "is back");
            }
            FederatedTraining.sendOrLeaveOut(t, client, () -> {
                t.sendBytes(client, FederatedTraining.tag(0, FederatedTraining.FACTS), facts);
                FederatedTraining.sendRound(t, client, FederatedTraining.JOINED, round);
            });
        }
    }

    /**
     * Why the round's sum {@code (sum n_k u_k, sum n_k)} cannot be applied, or null: its total
     * count must be positive and at most what {@code clients} clients within the fixed-point
     * headroom can hold, and its average update finite and within the clip (each client's update
     * is clipped, so an honest average is too). Checked before the division, so a client that
     * sends a negative or inflated count, or a shifted element, cannot make the model NaN; the
     * round is skipped instead (which client it was is not learnt from the sum).
     */
    static String unusable(Config c, double[] sum, int clients) {
        int size = sum.length - 1;
        double examples = sum[size];
        double most = (double) clients * c.mostExamples();
        if (!(examples >= 1) || examples > most) {
            return "its example count " + examples + " is not in [1, " + most + "]";
        }
        double slack = c.clip() + clients * FederatedTraining.FP.ulp(); // the rounding of each client's encoding
        for (int i = 0; i < size; i++) {
            double average = sum[i] / examples;
            if (!(Math.abs(average) <= slack)) {
                return "element " + i + " of the average update is " + average + ", outside the clip " + c.clip();
            }
        }
        return null;
    }
}
