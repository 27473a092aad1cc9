package org.spdz4j.split;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.data.Dataset;
import org.spdz4j.data.Partitions;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.Initializer;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.LearningRateSchedule;
import org.spdz4j.layers.Mode;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.SecureModel;
import org.spdz4j.layers.SecureSetup;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;
import org.spdz4j.run.Participants;
import org.spdz4j.triples.LocalComputation;
import org.spdz4j.triples.Plan;

/**
 * Split learning: {@code holders} data holders each keep their images and the bottom of a split
 * network; the label holder keeps the labels. Each participant's part is a class with one entry
 * point over a {@link Transport} ({@link DataHolder}, {@link LabelHolder}, {@link SecureTop}; their
 * matching messages in {@link SplitCodec}), the same in one JVM ({@link #run}: threads over an
 * in-memory network) and in separate processes over TLS (the {@code split-*} commands). This class
 * holds what they share: the run's facts, roles, schedule and the two halves' models.
 *
 * <p>First the samples are matched by id ({@link SplitData}): every holder sends the label holder
 * the run's public facts and its id list; the label holder checks both and tells everyone the
 * number of samples of each holder (or why it refuses), from which all derive the same public
 * schedule. Then per step the active holder runs the bottom, the top runs on its activations and
 * the labels, and the gradient at the cut comes back to it. The holders take turns (round robin,
 * one epoch of its own samples each, the bottom's weights and momentum handed to the next) or,
 * {@code parallel} (SplitFed), train at once, steps interleaved, the bottoms averaged (weighted
 * by steps) at the end of every epoch. {@code PLAIN}: the top runs in the clear at the label
 * holder. {@code SECURE}:
 * the holder and the label holder share activations and labels with P0 and P1, who train the top
 * on shares and reveal the cut gradient to that holder alone. At the end the model is assembled
 * at HOLDER0, the model owner: the last bottom and the top (revealed to it alone in secure mode).
 *
 * <pre>{@code
 * SplitTraining.Result r = SplitTraining.run(config, train, 0);   // config.where() PLAIN or SECURE
 * double accuracy = Evaluation.accuracy(config.network(), r.model(), test, 10_000);
 * }</pre>
 */
public final class SplitTraining {
    private SplitTraining() {
    }

    /** Where the top runs. */
    public enum Where { PLAIN, SECURE }

    /**
     * The public facts of a split-learning run: every participant is started with the same.
     *
     * @param network   a network with a split ({@code Network.Builder.addSplit})
     * @param holders   data holders
     * @param where     the top in the clear or on shares
     * @param parallel  SplitFed (holders at once, bottoms averaged each epoch) rather than round robin
     * @param epochs    passes of every holder over its samples
     * @param batchSize images per step
     * @param sgd       the optimizer of both halves
     * @param schedule  how its learning rate changes over the run's steps (every participant applies the same)
     * @param init      initial weights (the bottom's drawn first, then the top's)
     * @param seed      seeds the initial weights and the public data order
     * @param scaling   how every holder scales its pixels (recorded in the model file)
     */
    public record Config(Network network, int holders, Where where, boolean parallel, int epochs, int batchSize, Sgd sgd,
                  LearningRateSchedule schedule, WeightInit init, long seed, InputScaling scaling) {
        public Config {
            if (holders < 1) {
                throw new IllegalArgumentException("a split run needs at least one data holder, got " + holders);
            }
            if (where == Where.SECURE) {
                network.top().requireComputableOnShares("the secure top (--top secure)");
            }
        }
    }

    /**
     * The trained model and what each participant sent, received and computed.
     *
     * @param model   bottom then top parameters, as a model file holds them for the unsplit network
     * @param traffic per participant, its transport's counters
     * @param busy    per holder, the label holder (plain) and P0 and P1 (secure), its own computation
     */
    public record Result(List<double[]> model, Map<Role, TrafficCounter> traffic, Map<Role, Busy> busy) {
    }

    /**
     * The time one participant spends on its own part of the steps it takes part in: a holder's
     * bottom (forward and backward), the top at the label holder (plain) or at a compute party
     * (secure: the top's step on shares, its exchanges with the other party and the dealer
     * included). Waiting for the step's inputs is not counted; but P0's shares of them come from
     * seeds, so its step also waits inside for P1, who waits for the holder: P1's is the top's
     * time. One participant's thread writes it.
     */
    public static final class Busy {
        private long nanos;
        private int steps;

        /** Counts one step that took {@code stepNanos}. */
        void add(long stepNanos) {
            nanos += stepNanos;
            steps++;
        }

        /** Seconds per step counted (0 if none). */
        double secondsPerStep() {
            return steps == 0 ? 0 : nanos / 1e9 / steps;
        }

        @Override
        public String toString() {
            return String.format(java.util.Locale.ROOT, "%.1f s computing over %d steps (%.3f s per step)", nanos / 1e9, steps,
                    secondsPerStep());
        }
    }

    /**
     * Where a participant saves its state at the end of each epoch but the last ({@code dir},
     * null: nowhere; see {@link SplitCheckpoint}) and whether it goes on from the newest epoch
     * that every participant holding state saved ({@code resume}). The holders, the label holder
     * of a plain top, and P0 and P1 hold state; the dealer and the label holder of a secure top do
     * not, and take neither. On {@code resume} each sends the label holder the epochs it saved and
     * the label holder tells everyone the newest they all hold, or why none; {@code orFromStart}
     * (a run that connects again after a break) counts the start as an epoch each holds.
     *
     * <pre>{@code
     * SplitTraining.run(config, train, 0, Progress.NONE, new Checkpoints(dir, false));  // saves each epoch
     * SplitTraining.run(config, train, 0, Progress.NONE, new Checkpoints(dir, true));   // goes on after a crash
     * }</pre>
     */
    public record Checkpoints(Path dir, boolean resume, boolean orFromStart) {
        /** Saves nothing, starts anew. */
        public static final Checkpoints NONE = new Checkpoints(null, false);

        public Checkpoints {
            if (resume && dir == null) {
                throw new IllegalArgumentException("--resume needs --checkpoint-dir: the folder this participant saved its "
                        + "epochs in");
            }
        }

        /** Saves into {@code dir} (null: nowhere); on {@code resume} goes on from a saved epoch or is refused. */
        public Checkpoints(Path dir, boolean resume) {
            this(dir, resume, false);
        }

        /**
         * What {@code role} goes on with after its run broke ({@code --reconnect}): if it keeps
         * state, from the newest epoch every participant saved, or from the start where none is
         * common yet.
         */
        public Checkpoints again(Where where, Role role) {
            return holdsState(where, role) ? new Checkpoints(dir, true, true) : this;
        }

        boolean saves() {
            return dir != null;
        }

        /** The epochs {@code role} can go on from (0: the start): none unless resuming. */
        List<Integer> held(Role role) {
            try {
                if (!resume) {
                    return List.of();
                }
                List<Integer> saved = new ArrayList<>(SplitCheckpoint.epochs(dir, role));
                if (orFromStart) {
                    saved.add(0, 0);
                }
                return saved;
            } catch (IOException e) {
                throw new UncheckedIOException(role + ": cannot read " + dir + ": " + e.getMessage(), e);
            }
        }

        /**
         * Refuses, before anyone connects, what cannot work for {@code role} in {@code where}
         * mode: state options where it holds none, or {@code --resume} with no epoch saved in dir.
         */
        public void check(Where where, Role role) {
            checkKeepsState(where, role);
            if (holdsState(where, role) && resume && held(role).isEmpty()) {
                throw new IllegalArgumentException("--resume: " + dir + " holds no usable checkpoint of " + role + " ("
                        + role + "-epochN.ckpt)");
            }
        }

        /**
         * Refuses state options at {@code role} where it keeps no state in {@code where} mode; reads
         * no file (a participant's part checks this much, {@link #check} before connecting the rest).
         */
        void checkKeepsState(Where where, Role role) {
            if (!holdsState(where, role) && (dir != null || resume)) {
                throw new IllegalArgumentException(role + " saves nothing in a split run" + (where == Where.SECURE
                        ? " with a secure top" : "") + ": give --checkpoint-dir and --resume to the holders"
                        + (where == Where.PLAIN ? " and the label holder" : ", P0 and P1") + " alone");
            }
        }
    }

    /** Whether {@code role} keeps state between epochs in {@code where} mode (and so saves it). */
    public static boolean holdsState(Where where, Role role) {
        if (role.equals(LABELS)) {
            return where == Where.PLAIN;
        }
        return !role.equals(Role.DEALER);
    }

    /** One step: the holder whose turn it is, its batch (positions in that holder's samples) and the epoch. */
    record Turn(int holder, int[] batch, int epoch) {
    }

    /**
     * Told after each step of the run's {@code steps}, with the step's cross-entropy where the
     * participant computes it in the clear (the label holder of a plain top; NaN elsewhere).
     */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (step, steps, loss) -> { };

        void after(int step, int steps, double loss);
    }

    public static Role holder(int h) {
        return Role.parse("HOLDER" + h);
    }

    public static final Role LABELS = Role.parse("LABELS");
    /**
     * How long a holder waits for the bottom at the start of its turn (and for the others' at a
     * SplitFed average, and the owner for the last bottom): the other holders' whole turns, so
     * far longer than one message's timeout. A holder that dies meanwhile closes its links, and
     * the waiting one fails at once naming it.
     */
    static final java.time.Duration TURN_WAIT = java.time.Duration.ofHours(48);

    /** The model owner: the final model is assembled here. */
    public static final Role OWNER = holder(0);

    /** Every participant of a run in {@code where} mode with {@code holders} data holders. */
    public static List<Role> roles(Where where, int holders) {
        List<Role> out = new ArrayList<>();
        if (where == Where.SECURE) {
            out.addAll(List.of(Role.P0, Role.P1, Role.DEALER));
        }
        for (int h = 0; h < holders; h++) {
            out.add(holder(h));
        }
        out.add(LABELS);
        return out;
    }

    /** The facts every participant must share, by name, checked in this order (the first difference is named). */
    static Map<String, String> facts(Config c) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("mode (--mode)", c.where().name().toLowerCase(java.util.Locale.ROOT));
        f.put("network (--network)", c.network().describe());
        f.put("data holders (--holders)", "" + c.holders());
        f.put("schedule (--parallel)", c.parallel() ? "parallel" : "round robin");
        f.put("epochs (--epochs)", "" + c.epochs());
        f.put("batch size (--batch)", "" + c.batchSize());
        f.put("optimizer and initial weights (--lr, --lr-schedule, --momentum, --init)",
                c.sgd() + " " + c.schedule() + " init " + c.init());
        f.put("data order and initial weights seed (--seed)", "" + c.seed());
        f.put("pixel scaling (--pixel-scaling)", c.scaling().toString());
        f.put("fixed-point format", "Z_2^128 f=" + FixedPoint.DEFAULT.fractionalBits());
        return f;
    }

    /**
     * The public schedule, per epoch: each holder's samples in a seeded order, in batches; holder
     * by holder (round robin) or interleaved step by step (parallel).
     *
     * @param sizes each holder's number of samples
     */
    public static List<Turn> schedule(Config c, int[] sizes) {
        List<Turn> out = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(c.seed());
        for (int e = 0; e < c.epochs(); e++) {
            List<List<Turn>> parts = new ArrayList<>();
            for (int h = 0; h < c.holders(); h++) {
                int[] part = Partitions.shuffled(sizes[h], r);
                List<Turn> own = new ArrayList<>();
                for (int b = 0; b + c.batchSize() <= part.length; b += c.batchSize()) {
                    own.add(new Turn(h, Arrays.copyOfRange(part, b, b + c.batchSize()), e));
                }
                parts.add(own);
            }
            if (!c.parallel()) {
                parts.forEach(out::addAll);
                continue;
            }
            int longest = parts.stream().mapToInt(List::size).max().orElse(0);
            for (int i = 0; i < longest; i++) { // one step of each holder in turn
                for (List<Turn> own : parts) {
                    if (i < own.size()) {
                        out.add(own.get(i));
                    }
                }
            }
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("no full batch of " + c.batchSize() + " in any holder's samples "
                    + Arrays.toString(sizes));
        }
        return out;
    }

    /**
     * Everyone's part in this JVM, each participant a thread: the first {@code trainImages} of
     * {@code train} (0 = all) cut into contiguous parts, holder h's sample i named by its index.
     */
    public static Result run(Config c, Dataset train, int trainImages) {
        return run(c, train, trainImages, Progress.NONE, Checkpoints.NONE);
    }

    /**
     * As {@link #run(Config, Dataset, int)}, telling {@code progress} after each step (the label
     * holder's view), every participant saving into and resuming from {@code checkpoints}' one folder.
     */
    public static Result run(Config c, Dataset train, int trainImages, Progress progress, Checkpoints checkpoints) {
        int n = Dataset.imagesUsed(trainImages, train.size());
        Map<String, Integer> labels = new LinkedHashMap<>();
        Map<Role, LocalComputation.Outsider> outsiders = new LinkedHashMap<>();
        AtomicReference<List<double[]>> model = new AtomicReference<>();
        Map<Role, TrafficCounter> traffic = new ConcurrentHashMap<>();
        Map<Role, Busy> busy = new LinkedHashMap<>();
        for (Role r : roles(c.where(), c.holders())) {
            if (!r.equals(Role.DEALER)) { // the dealer computes no step of the training
                busy.put(r, new Busy());
            }
        }
        int[] sizes = partSizes(c.holders(), n);
        for (int h = 0, from = 0; h < c.holders(); from += sizes[h++]) {
            int[] part = java.util.stream.IntStream.range(from, from + sizes[h]).toArray();
            List<String> ids = Arrays.stream(part).mapToObj(SplitData::mnistId).toList();
            Arrays.stream(part).forEach(i -> labels.put(SplitData.mnistId(i), train.label(i)));
            SplitData.HolderPart data = new SplitData.HolderPart(ids, train.select(part));
            int me = h;
            outsiders.put(holder(h), t -> {
                List<double[]> assembled = DataHolder.run(c, me, data, checkpoints, t, busy.get(t.self()));
                if (assembled != null) {
                    model.set(assembled);
                }
                traffic.put(t.self(), t.traffic());
            });
        }
        Checkpoints labelHolders = holdsState(c.where(), LABELS) ? checkpoints : Checkpoints.NONE;
        outsiders.put(LABELS, t -> {
            LabelHolder.run(c, labels, labelHolders, t, progress, busy.get(LABELS));
            traffic.put(t.self(), t.traffic());
        });
        if (c.where() == Where.PLAIN) {
            Participants.run(outsiders, LocalComputation.DEFAULT_TIMEOUT);
        } else {
            List<Turn> turns = schedule(c, sizes);
            // the dealer is set up before the match; the label holder comes to the same epoch from the same folder
            int first = firstStep(turns, resumesFrom(c, checkpoints));
            LocalComputation.Result<Void> r = LocalComputation.run(topPlan(c), first, turns.size(), AesCtrPrg.freshSeed(),
                    FixedPoint.DEFAULT, outsiders, (party, randomness) -> {
                        SecureTop.trainTop(c, SplitCodec.joinMatch(c, checkpoints, party.transport()), checkpoints, party,
                                randomness, Progress.NONE, busy.get(party.role()));
                        return null;
                    });
            traffic.put(Role.P0, r.p0Traffic());
            traffic.put(Role.P1, r.p1Traffic());
            traffic.put(Role.DEALER, r.dealerTraffic());
        }
        return new Result(model.get(), traffic, busy);
    }

    /**
     * The epoch a run whose participants all save into {@code checkpoints}' one folder goes on
     * from (0: a new run), as the label holder will find it: refused here, before anyone starts.
     *
     * @throws org.spdz4j.core.transport.Mismatch where they hold no epoch in common
     */
    public static int resumesFrom(Config c, Checkpoints checkpoints) {
        Map<Role, SplitCodec.Held> held = new LinkedHashMap<>();
        for (Role r : roles(c.where(), c.holders())) {
            if (holdsState(c.where(), r)) {
                held.put(r, SplitCodec.Held.of(checkpoints, r));
            }
        }
        return SplitCodec.firstEpoch(held);
    }

    /**
     * The steps {@link #run} trains on {@code n} images: the whole schedule, or on resuming the
     * steps after the epoch it goes on from (refused, as {@link #resumesFrom}, if none).
     */
    public static int stepsToRun(Config c, int n, Checkpoints checkpoints) {
        List<Turn> turns = schedule(c, partSizes(c.holders(), n));
        return turns.size() - firstStep(turns, resumesFrom(c, checkpoints));
    }

    /** The first step of {@code epoch} in {@code turns} (0 for epoch 0). */
    static int firstStep(List<Turn> turns, int epoch) {
        for (int s = 0; s < turns.size(); s++) {
            if (turns.get(s).epoch() >= epoch) {
                return s;
            }
        }
        throw new IllegalArgumentException("the schedule has no epoch " + epoch);
    }

    /** A float model's state between steps: its parameters, then their momentum (as a holder hands the bottom over). */
    static List<double[]> state(FloatModel m) {
        List<double[]> out = new ArrayList<>(m.paramValues());
        out.addAll(m.momentumValues());
        return out;
    }

    /** Loads what {@link #state} gave. */
    static void restore(FloatModel m, List<double[]> state) {
        int n = state.size() / 2;
        m.load(state.subList(0, n));
        m.loadMomentum(state.subList(n, state.size()));
    }

    /** The sizes of {@code holders} contiguous parts of {@code n} images, as {@link #run} and the demo cut them. */
    public static int[] partSizes(int holders, int n) {
        int[] sizes = new int[holders];
        for (int h = 0; h < sizes.length; h++) {
            sizes[h] = (h + 1) * n / holders - h * n / holders;
        }
        return sizes;
    }

    static Shape input(Config c) {
        return c.network().batchShape(c.batchSize());
    }

    /** A holder's bottom, from the seed's first draws. */
    static FloatModel bottom(Config c, Initializer init) {
        return FloatModel.create(c.network().bottom(), input(c), init, c.sgd());
    }

    /** The top's initial weights: the seed's sequence after the bottom's draws, as for the unsplit network. */
    static Initializer topInitializer(Config c) {
        Initializer init = c.init().initializer(c.seed());
        bottom(c, init);
        return init;
    }

    static FloatModel floatTop(Config c) {
        return FloatModel.create(c.network().top(), cut(c), topInitializer(c), c.sgd());
    }

    static Shape cut(Config c) {
        return c.network().bottom().outputShape(input(c));
    }

    /** The top on shares at {@code role}: the same initial weights as the plaintext top. */
    static SecureModel secureTop(Config c, Role role) {
        return SecureModel.createTop(c.network(), cut(c), new SecureSetup(role, Mode.OPTIMIZED, FixedPoint.DEFAULT,
                topInitializer(c)), c.sgd());
    }

    /** The plan P0, P1 and the dealer of a secure run share. */
    static Plan topPlan(Config c) {
        return secureTop(c, Role.P0).plan();
    }

    /** The traffic table of a run: per participant, bytes sent and received. */
    public static String trafficTable(Map<Role, TrafficCounter> traffic) {
        StringBuilder s = new StringBuilder(String.format("%-12s %16s %16s%n", "participant", "bytes sent", "bytes received"));
        traffic.entrySet().stream().sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(Role::name)))
                .forEach(e -> s.append(trafficRow(e.getKey(), e.getValue())));
        return s.toString();
    }

    /** One participant's row of {@link #trafficTable}. */
    public static String trafficRow(Role role, TrafficCounter t) {
        return String.format("%-12s %,16d %,16d%n", role, t.total(TrafficCounter.Direction.SENT).bytes(),
                t.total(TrafficCounter.Direction.RECEIVED).bytes());
    }
}
