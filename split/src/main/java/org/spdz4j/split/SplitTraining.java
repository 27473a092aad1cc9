package org.spdz4j.split;

import org.spdz4j.run.Facts;

import org.spdz4j.run.Messages;

import org.spdz4j.run.Participants;

import org.spdz4j.data.Mnist;

import org.spdz4j.data.Partitions;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.Contributor;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.InMemoryNetwork;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.FloatTensor;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.Initializer;
import org.spdz4j.layers.LearningRateSchedule;
import org.spdz4j.layers.Mode;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.SecureModel;
import org.spdz4j.layers.SecureSetup;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;
import org.spdz4j.triples.Dealer;
import org.spdz4j.triples.Handshake;
import org.spdz4j.triples.LocalComputation;
import org.spdz4j.triples.PartyRandomness;
import org.spdz4j.triples.Plan;

/**
 * Split learning: {@code holders} data holders each keep their images and the bottom of a split
 * network; the label holder keeps the labels. Each participant's part is a method over a
 * {@link Transport}, the same in one JVM ({@link #run}: threads over an in-memory network) and in
 * separate processes over TLS (the {@code split-*} commands).
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

    /** One step: the holder whose turn it is, its batch (positions in that holder's samples) and the epoch. */
    record Turn(int holder, int[] batch, int epoch) {
    }

    /** Told after each step of the run's {@code steps}. */
    @FunctionalInterface
    public interface Progress {
        Progress NONE = (step, steps) -> { };

        void after(int step, int steps);
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
    public static Result run(Config c, Mnist train, int trainImages) {
        int n = Mnist.imagesUsed(trainImages, train.size());
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
                List<double[]> assembled = holder(c, me, data, t, busy.get(t.self()));
                if (assembled != null) {
                    model.set(assembled);
                }
                traffic.put(t.self(), t.traffic());
            });
        }
        outsiders.put(LABELS, t -> {
            labels(c, labels, t, Progress.NONE, busy.get(LABELS));
            traffic.put(t.self(), t.traffic());
        });
        if (c.where() == Where.PLAIN) {
            Participants.run(outsiders, LocalComputation.DEFAULT_TIMEOUT);
        } else {
            LocalComputation.Result<Void> r = LocalComputation.run(topPlan(c), schedule(c, partSizes(c.holders(), n)).size(),
                    AesCtrPrg.freshSeed(), FixedPoint.DEFAULT, outsiders, (party, randomness) -> {
                        trainTop(c, awaitMatch(c, party.transport()), party, randomness, Progress.NONE,
                                busy.get(party.role()));
                        return null;
                    });
            traffic.put(Role.P0, r.p0Traffic());
            traffic.put(Role.P1, r.p1Traffic());
            traffic.put(Role.DEALER, r.dealerTraffic());
        }
        return new Result(model.get(), traffic, busy);
    }

    /** The sizes of {@code holders} contiguous parts of {@code n} images, as {@link #run} and the demo cut them. */
    public static int[] partSizes(int holders, int n) {
        int[] sizes = new int[holders];
        for (int h = 0; h < sizes.length; h++) {
            sizes[h] = (h + 1) * n / holders - h * n / holders;
        }
        return sizes;
    }

    private static Shape input(Config c) {
        return Shape.of(c.batchSize(), 1, 28, 28);
    }

    /** A holder's bottom, from the seed's first draws. */
    private static FloatModel bottom(Config c, Initializer init) {
        return FloatModel.create(c.network().bottom(), input(c), init, c.sgd());
    }

    /** The top's initial weights: the seed's sequence after the bottom's draws, as for the unsplit network. */
    private static Initializer topInitializer(Config c) {
        Initializer init = c.init().initializer(c.seed());
        bottom(c, init);
        return init;
    }

    private static FloatModel floatTop(Config c) {
        return FloatModel.create(c.network().top(), cut(c), topInitializer(c), c.sgd());
    }

    private static Shape cut(Config c) {
        return c.network().bottom().outputShape(input(c));
    }

    /** The top on shares at {@code role}: the same initial weights as the plaintext top. */
    private static SecureModel secureTop(Config c, Role role) {
        return SecureModel.createTop(c.network(), cut(c), new SecureSetup(role, Mode.OPTIMIZED, FixedPoint.DEFAULT,
                topInitializer(c)), c.sgd());
    }

    /** The plan P0, P1 and the dealer of a secure run share. */
    static Plan topPlan(Config c) {
        return secureTop(c, Role.P0).plan();
    }

    /**
     * Data holder {@code me}'s part: matching, its turns, the bottom's hand-overs, and at the end
     * the model's assembly. Returns the assembled model at {@link #OWNER}, null elsewhere.
     */
    public static List<double[]> holder(Config c, int me, SplitData.HolderPart data, Transport t, Busy busy) {
        Messages.sendBytes(t, LABELS, Tag.Kind.MATCH, 0, matchRequest(c, data.ids()));
        List<Turn> turns = awaitMatch(c, t);
        Mnist images = data.images().scaled(c.scaling());
        FixedPoint fp = FixedPoint.DEFAULT;
        Shape cut = cut(c);
        FloatModel bottom = bottom(c, c.init().initializer(c.seed()));
        Contributor shares = c.where() == Where.SECURE ? Contributor.connect(t) : null;
        for (int step = 0; step < turns.size(); step++) {
            Turn turn = turns.get(step);
            if (turn.holder() == me) {
                if (!c.parallel() && step > 0 && turns.get(step - 1).holder() != me) { // my turn begins
                    takeOver(bottom, Messages.receiveDoubles(t, holder(turns.get(step - 1).holder()), Tag.Kind.WEIGHTS,
                            step, Messages.lengths(handOver(bottom)), TURN_WAIT));
                }
                bottom.learningRateFactor(c.schedule().factor(step, turns.size()));
                long start = System.nanoTime();
                double[] a = bottom.forwardTraining(images.images(turn.batch())).values();
                long forward = System.nanoTime() - start;
                double[] g;
                if (shares == null) {
                    Messages.sendDoubles(t, LABELS, Tag.Kind.INPUT, step, List.of(a));
                    g = Messages.receiveDoubles(t, LABELS, Tag.Kind.OUTPUT, step, new int[]{a.length}).get(0);
                } else {
                    shares.input(step, 0, fp.encode(cut, a));
                    g = fp.decode(shares.result(step, 0, cut));
                }
                start = System.nanoTime();
                bottom.backwardAndUpdate(new FloatTensor(cut, g));
                busy.add(forward + System.nanoTime() - start);
                if (!c.parallel() && step + 1 < turns.size() && turns.get(step + 1).holder() != me) { // it ends
                    Messages.sendDoubles(t, holder(turns.get(step + 1).holder()), Tag.Kind.WEIGHTS, step + 1,
                            handOver(bottom));
                }
            }
            if (c.parallel() && epochEnds(turns, step)) { // SplitFed: every holder averages every holder's bottom
                bottom.load(averageAmongHolders(t, c, me, step, bottom.paramValues(), stepsPerHolder(c, turns, turn.epoch())));
            }
        }
        return assemble(c, me, turns, bottom, shares, t);
    }

    /**
     * The bottom as a holder hands it to the next in round robin: its parameters, then their
     * momentum, so the next goes on exactly where this one stopped (as one holder training the
     * whole sequence of batches would).
     */
    private static List<double[]> handOver(FloatModel bottom) {
        List<double[]> out = new ArrayList<>(bottom.paramValues());
        out.addAll(bottom.momentumValues());
        return out;
    }

    /** Takes over what {@link #handOver} sent. */
    private static void takeOver(FloatModel bottom, List<double[]> received) {
        int n = received.size() / 2;
        bottom.load(received.subList(0, n));
        bottom.loadMomentum(received.subList(n, received.size()));
    }

    /** The last bottom goes to the model owner, which adds the top (in the clear from the label holder, or revealed to it). */
    private static List<double[]> assemble(Config c, int me, List<Turn> turns, FloatModel bottom, Contributor shares,
                                           Transport t) {
        int last = c.parallel() ? 0 : turns.get(turns.size() - 1).holder(); // SplitFed: all bottoms equal
        int end = turns.size();
        if (!t.self().equals(OWNER)) {
            if (me == last) {
                Messages.sendDoubles(t, OWNER, Tag.Kind.WEIGHTS, end, bottom.paramValues());
            }
            return null;
        }
        List<double[]> model = new ArrayList<>(me == last ? bottom.paramValues()
                : Messages.receiveDoubles(t, holder(last), Tag.Kind.WEIGHTS, end, Messages.lengths(bottom.paramValues()), TURN_WAIT));
        int[] top = Messages.lengths(floatTop(c).paramValues());
        if (shares == null) {
            model.addAll(Messages.receiveDoubles(t, LABELS, Tag.Kind.OUTPUT, end, top));
        } else {
            for (int i = 0; i < top.length; i++) {
                model.add(FixedPoint.DEFAULT.decode(shares.result(end - 1, 1 + i, Shape.of(top[i]))));
            }
        }
        return model;
    }

    /** The label holder's part: it matches the holders' samples, then trains the top (plain) or shares the labels (secure). */
    public static void labels(Config c, Map<String, Integer> labelFile, Transport t, Progress afterStep, Busy busy) {
        int[][] y = matchHolders(c, labelFile, t);
        int[] sizes = Arrays.stream(y).mapToInt(a -> a.length).toArray();
        List<Turn> turns = schedule(c, sizes);
        Shape labels = Shape.of(c.batchSize(), 10);
        if (c.where() == Where.SECURE) {
            Contributor shares = Contributor.connect(t);
            for (int step = 0; step < turns.size(); step++) {
                shares.input(step, 0, FixedPoint.DEFAULT.encode(labels, oneHot(y[turns.get(step).holder()], turns.get(step).batch())));
                afterStep.after(step, turns.size());
            }
            return;
        }
        FloatModel top = floatTop(c);
        Shape cut = cut(c);
        for (int step = 0; step < turns.size(); step++) {
            Turn turn = turns.get(step);
            Role from = holder(turn.holder());
            double[] a = Messages.receiveDoubles(t, from, Tag.Kind.INPUT, step, new int[]{cut.size()}).get(0);
            top.learningRateFactor(c.schedule().factor(step, turns.size()));
            long start = System.nanoTime();
            FloatModel.Step s = top.trainOn(new FloatTensor(cut, a),
                    new FloatTensor(labels, oneHot(y[turn.holder()], turn.batch())));
            busy.add(System.nanoTime() - start);
            Messages.sendDoubles(t, from, Tag.Kind.OUTPUT, step, List.of(s.inputGradient().values()));
            afterStep.after(step, turns.size());
        }
        Messages.sendDoubles(t, OWNER, Tag.Kind.OUTPUT, turns.size(), top.paramValues());
    }

    /**
     * P0's or P1's part once joined: the top trained on shares from the active holder's
     * activations and the label holder's labels, the cut gradient revealed to the active holder,
     * and after the last step the top revealed to the model owner alone.
     */
    static void trainTop(Config c, List<Turn> turns, ComputeParty party, PartyRandomness randomness, Progress afterStep,
                         Busy busy) {
        SecureModel top = secureTop(c, party.role());
        for (int h = 0; h < c.holders(); h++) {
            party.acceptContributor(holder(h));
        }
        party.acceptContributor(LABELS);
        Shape cut = cut(c);
        Shape labels = Shape.of(c.batchSize(), 10);
        for (int step = 0; step < turns.size(); step++) {
            Role active = holder(turns.get(step).holder());
            party.beginStep(step, randomness.forStep(step));
            top.learningRateFactor(c.schedule().factor(step, turns.size()));
            Ring128Tensor activations = party.contributedInput(active, cut, 0);
            Ring128Tensor oneHot = party.contributedInput(LABELS, labels, 0);
            long start = System.nanoTime();
            top.trainStep(party, activations, oneHot);
            busy.add(System.nanoTime() - start);
            party.revealToContributor(active, top.cutGradient(), 0);
            afterStep.after(step, turns.size());
        }
        top.revealToContributor(party, OWNER, 1);
    }

    /**
     * P0's or P1's part in its own process: the schedule from the label holder, the handshake
     * (with the other party on every fact, with the dealer on the plan and the steps), the top.
     */
    public static void computeParty(Config c, Transport t, Progress afterStep, Busy busy) {
        List<Turn> turns = awaitMatch(c, t);
        Handshake.Party p = Handshake.computeParty(t, topPlan(c), FixedPoint.DEFAULT, 0, turns.size(), AesCtrPrg.freshSeed(),
                facts(c));
        trainTop(c, turns, p.party(), p.randomness(), afterStep, busy);
        Handshake.done(t);
    }

    /** The dealer's part: the schedule (from P0, as the label holder told it), then every step's randomness. */
    public static void dealer(Config c, Transport t, byte[] seed, java.time.Duration finish) {
        List<Turn> turns = awaitMatch(c, t);
        Dealer dealer = new Dealer(topPlan(c), t, seed);
        dealer.setup(0, turns.size());
        for (int s = 0; s < turns.size(); s++) {
            dealer.produce(s);
        }
        Handshake.awaitParties(t, finish);
    }

    /** What a holder tells the label holder: the public facts it runs with, then its ids. */
    static byte[] matchRequest(Config c, List<String> ids) {
        return write(out -> {
            Facts.write(out, facts(c));
            out.writeInt(ids.size());
            for (String id : ids) {
                out.writeUTF(id);
            }
        });
    }

    /**
     * At the label holder: every holder's facts and ids, checked against its own facts and its
     * file; the verdict (each holder's sample count, or why not) goes to every holder and, in
     * secure mode, to P0 and P1. Returns each holder's labels by position.
     */
    static int[][] matchHolders(Config c, Map<String, Integer> labelFile, Transport t) {
        Map<String, String> mine = facts(c);
        List<List<String>> ids = new ArrayList<>();
        String refusal = null;
        for (int h = 0; h < c.holders(); h++) {
            DataInputStream in = reader(Messages.receiveBytes(t, holder(h), Tag.Kind.MATCH, 0));
            try {
                Map<String, String> theirs = Facts.read(in);
                refusal = refusal != null ? refusal : Facts.mismatch(mine, t.self(), theirs, holder(h));
                int n = in.readInt();
                List<String> list = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    list.add(in.readUTF());
                }
                ids.add(list);
            } catch (IOException e) {
                throw new ProtocolException(t.self() + " got a malformed id list from " + holder(h), e);
            }
        }
        int[][] labels = null;
        if (refusal == null) {
            try {
                labels = SplitData.match(ids, labelFile);
            } catch (IllegalArgumentException e) {
                refusal = e.getMessage();
            }
        }
        String reason = refusal;
        int[][] matched = labels;
        byte[] verdict = write(out -> {
            out.writeBoolean(reason == null);
            if (reason != null) {
                out.writeUTF(reason);
                return;
            }
            Facts.write(out, mine);
            out.writeInt(matched.length);
            for (int[] m : matched) {
                out.writeInt(m.length);
            }
        });
        for (Role r : roles(c.where(), c.holders())) {
            if (!r.equals(t.self()) && !r.equals(Role.DEALER)) { // P0 tells the dealer
                Messages.sendBytes(t, r, Tag.Kind.MATCH, 1, verdict);
            }
        }
        if (reason != null) {
            throw new ProtocolException("the samples do not match: " + reason);
        }
        return labels;
    }

    /**
     * At a holder, P0, P1 or the dealer: the label holder's verdict (the dealer has it from P0),
     * refused if it refused or runs other facts; the schedule it fixes.
     */
    static List<Turn> awaitMatch(Config c, Transport t) {
        boolean dealer = t.self().equals(Role.DEALER);
        Role from = dealer ? Role.P0 : LABELS;
        byte[] verdict = Messages.receiveBytes(t, from, Tag.Kind.MATCH, 1);
        if (t.self().equals(Role.P0)) {
            Messages.sendBytes(t, Role.DEALER, Tag.Kind.MATCH, 1, verdict);
        }
        DataInputStream in = reader(verdict);
        try {
            if (!in.readBoolean()) {
                throw new ProtocolException(LABELS + " refused the run: " + in.readUTF());
            }
            Facts.requireSame(facts(c), t.self(), Facts.read(in), LABELS);
            int[] sizes = new int[in.readInt()];
            if (sizes.length != c.holders()) {
                throw new ProtocolException(LABELS + " matched " + sizes.length + " holders, expected " + c.holders());
            }
            for (int h = 0; h < sizes.length; h++) {
                sizes[h] = in.readInt();
            }
            return schedule(c, sizes);
        } catch (IOException e) {
            throw new ProtocolException(t.self() + " got a malformed verdict from " + from, e);
        }
    }

    private interface Writer {
        void write(DataOutputStream out) throws IOException;
    }

    private static byte[] write(Writer w) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            w.write(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    private static DataInputStream reader(byte[] bytes) {
        return new DataInputStream(new ByteArrayInputStream(bytes));
    }

    /** One-hot rows of {@code labels[i]} for each {@code i} of {@code batch}. */
    static double[] oneHot(int[] labels, int[] batch) {
        double[] v = new double[batch.length * 10];
        for (int i = 0; i < batch.length; i++) {
            v[i * 10 + labels[batch[i]]] = 1;
        }
        return v;
    }

    /** Sends {@code mine} to every other holder, takes theirs, and returns the weighted average of all. */
    private static List<double[]> averageAmongHolders(Transport t, Config c, int me, int step, List<double[]> mine,
                                                      int[] weights) {
        for (int h = 0; h < c.holders(); h++) {
            if (h != me) {
                Messages.sendDoubles(t, holder(h), Tag.Kind.WEIGHTS, step + 1, mine);
            }
        }
        List<List<double[]>> all = new ArrayList<>();
        for (int h = 0; h < c.holders(); h++) {
            all.add(h == me ? mine
                    : Messages.receiveDoubles(t, holder(h), Tag.Kind.WEIGHTS, step + 1, Messages.lengths(mine), TURN_WAIT));
        }
        return average(all, weights);
    }

    /** Whether {@code step} is the last of its epoch. */
    static boolean epochEnds(List<Turn> turns, int step) {
        return step + 1 == turns.size() || turns.get(step + 1).epoch() != turns.get(step).epoch();
    }

    /** The steps each holder trains in {@code epoch}: the weights of the SplitFed average. */
    static int[] stepsPerHolder(Config c, List<Turn> turns, int epoch) {
        int[] n = new int[c.holders()];
        turns.stream().filter(t -> t.epoch() == epoch).forEach(t -> n[t.holder()]++);
        return n;
    }

    /** The average of the holders' bottoms, holder h's weighted by {@code weights[h]}. */
    static List<double[]> average(List<List<double[]>> bottoms, int[] weights) {
        double total = Arrays.stream(weights).sum();
        List<double[]> out = new ArrayList<>();
        for (int p = 0; p < bottoms.get(0).size(); p++) {
            double[] v = new double[bottoms.get(0).get(p).length];
            for (int h = 0; h < bottoms.size(); h++) {
                double[] x = bottoms.get(h).get(p);
                for (int i = 0; i < v.length; i++) {
                    v[i] += weights[h] / total * x[i];
                }
            }
            out.add(v);
        }
        return out;
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
