package org.spdz4j.app;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicReference;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.Contributor;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.FloatTensor;
import org.spdz4j.layers.Initializer;
import org.spdz4j.layers.Mode;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.SecureModel;
import org.spdz4j.layers.SecureSetup;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;
import org.spdz4j.triples.LocalComputation;

/**
 * Split learning in one JVM (each participant a thread): {@code holders} data holders each keep
 * a contiguous part of the training images and the bottom of a split network; the label holder
 * keeps the labels. The holders take turns (round robin, one epoch of its own part each, the
 * bottom's weights handed to the next holder) or, {@code parallel} (SplitFed), train at once,
 * steps interleaved, each its own bottom, the bottoms averaged (weighted by steps) at the end of
 * every epoch, the holders exchanging them among themselves; per step the active holder runs the bottom, the
 * top runs on its activations and the labels, and the gradient at the cut comes back to it.
 * {@code PLAIN}: the top runs in the clear at the label holder. {@code SECURE}: the holder and the
 * label holder share activations and labels with P0 and P1, who train the top on shares and reveal
 * the cut gradient to that holder alone; the top is revealed to P0 (the model owner) at the end.
 *
 * <pre>{@code
 * SplitTraining.Result r = SplitTraining.run(config, train);   // config.mode() PLAIN or SECURE
 * double accuracy = Evaluation.accuracy(config.network(), r.model(), test, 10_000);
 * }</pre>
 */
final class SplitTraining {
    private SplitTraining() {
    }

    /** Where the top runs. */
    enum Where { PLAIN, SECURE }

    /**
     * A split-learning run.
     *
     * @param network     a network with a split ({@code Network.Builder.addSplit})
     * @param holders     data holders, each with a contiguous part of the training images
     * @param where       the top in the clear or on shares
     * @param parallel    SplitFed (holders at once, bottoms averaged each epoch) rather than round robin
     * @param epochs      passes of every holder over its part
     * @param batchSize   images per step
     * @param trainImages the first images used (0 = all)
     * @param sgd         the optimizer of both halves
     * @param init        initial weights (the bottom's drawn first, then the top's)
     * @param seed        seeds the initial weights and the public data order
     */
    record Config(Network network, int holders, Where where, boolean parallel, int epochs, int batchSize, int trainImages, Sgd sgd,
                  WeightInit init, long seed) {
    }

    /**
     * The trained model and what each participant sent and received.
     *
     * @param model   bottom then top parameters, as a model file holds them for the unsplit network
     * @param traffic per participant, its transport's counters (secure mode only; empty in plain mode)
     */
    record Result(List<double[]> model, Map<Role, TrafficCounter> traffic) {
    }

    /** One step: the holder whose turn it is, its batch (indices into the training set) and the epoch. */
    record Turn(int holder, int[] batch, int epoch) {
    }

    static Role holder(int h) {
        return Role.parse("HOLDER" + h);
    }

    static final Role LABELS = Role.parse("LABELS");

    /**
     * The public schedule, per epoch: each holder's part in a seeded order, in batches; holder by
     * holder (round robin) or interleaved step by step (parallel).
     */
    static List<Turn> schedule(Config c, int available) {
        int n = Mnist.imagesUsed(c.trainImages(), available);
        List<Turn> out = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(c.seed());
        for (int e = 0; e < c.epochs(); e++) {
            List<List<Turn>> parts = new ArrayList<>();
            for (int h = 0; h < c.holders(); h++) {
                int from = h * n / c.holders();
                int[] part = java.util.stream.IntStream.range(from, (h + 1) * n / c.holders()).toArray();
                Partitions.shuffle(part, r);
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
            throw new IllegalArgumentException("no full batch of " + c.batchSize() + " in a holder's part of " + n + " images");
        }
        return out;
    }

    static Result run(Config c, Mnist train) {
        return c.where() == Where.PLAIN ? plain(c, train) : secure(c, train);
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

    private static Shape cut(Config c) {
        return c.network().bottom().outputShape(input(c));
    }

    private static Result plain(Config c, Mnist train) {
        List<Turn> turns = schedule(c, train.size());
        List<FloatModel> bottoms = new ArrayList<>();
        for (int h = 0; h < c.holders(); h++) {
            bottoms.add(bottom(c, c.init().initializer(c.seed())));
        }
        FloatModel top = FloatModel.create(c.network().top(), cut(c), topInitializer(c), c.sgd());
        int active = 0;
        for (int step = 0; step < turns.size(); step++) {
            Turn t = turns.get(step);
            if (!c.parallel() && t.holder() != active) { // the bottom's weights pass to the next holder
                bottoms.get(t.holder()).load(bottoms.get(active).paramValues());
            }
            active = t.holder();
            FloatModel b = bottoms.get(active);
            FloatModel.Step s = top.trainOn(b.forwardTraining(train.images(t.batch())), train.oneHot(t.batch()));
            b.backwardAndUpdate(s.inputGradient());
            if (c.parallel() && epochEnds(turns, step)) {
                List<List<double[]>> all = new ArrayList<>();
                bottoms.forEach(m -> all.add(m.paramValues()));
                List<double[]> mean = average(all, stepsPerHolder(c, turns, t.epoch()));
                bottoms.forEach(m -> m.load(mean));
            }
        }
        List<double[]> model = new ArrayList<>(bottoms.get(active).paramValues());
        model.addAll(top.paramValues());
        return new Result(model, Map.of());
    }

    private static Result secure(Config c, Mnist train) {
        FixedPoint fp = FixedPoint.DEFAULT;
        List<Turn> turns = schedule(c, train.size());
        Shape cut = cut(c);
        Shape labels = Shape.of(c.batchSize(), 10);
        AtomicReference<List<double[]>> finalBottom = new AtomicReference<>();
        Map<Role, TrafficCounter> traffic = new java.util.concurrent.ConcurrentHashMap<>();
        Map<Role, LocalComputation.Outsider> outsiders = new LinkedHashMap<>();
        for (int h = 0; h < c.holders(); h++) {
            int me = h;
            outsiders.put(holder(h), t -> {
                FloatModel bottom = bottom(c, c.init().initializer(c.seed()));
                Contributor shares = Contributor.connect(t);
                for (int step = 0; step < turns.size(); step++) {
                    Turn turn = turns.get(step);
                    if (turn.holder() == me) {
                        if (!c.parallel() && step > 0 && turns.get(step - 1).holder() != me) { // my turn begins
                            bottom.load(decodeWeights(t.receiveBytes(holder(turns.get(step - 1).holder()),
                                    new Tag(Tag.Kind.WEIGHTS, step, 0)), bottom.paramValues()));
                        }
                        shares.input(step, 0, fp.encode(cut, bottom.forwardTraining(train.images(turn.batch())).values()));
                        bottom.backwardAndUpdate(new FloatTensor(cut, fp.decode(shares.result(step, 0, cut))));
                        if (!c.parallel() && step + 1 < turns.size() && turns.get(step + 1).holder() != me) { // it ends
                            t.sendBytes(holder(turns.get(step + 1).holder()), new Tag(Tag.Kind.WEIGHTS, step + 1, 0),
                                    encodeWeights(bottom.paramValues()));
                        }
                    }
                    if (c.parallel() && epochEnds(turns, step)) { // SplitFed: every holder averages every holder's bottom
                        bottom.load(averageAmongHolders(t, c, me, step, bottom.paramValues(),
                                stepsPerHolder(c, turns, turn.epoch())));
                    }
                }
                if (c.parallel() ? me == 0 : turns.get(turns.size() - 1).holder() == me) {
                    finalBottom.set(bottom.paramValues());
                }
                traffic.put(holder(me), t.traffic());
            });
        }
        outsiders.put(LABELS, t -> {
            Contributor shares = Contributor.connect(t);
            for (int step = 0; step < turns.size(); step++) {
                shares.input(step, 0, fp.encode(labels, train.oneHot(turns.get(step).batch()).values()));
            }
            traffic.put(LABELS, t.traffic());
        });
        List<SecureModel> tops = new ArrayList<>();
        for (Role role : new Role[]{Role.P0, Role.P1}) {
            tops.add(SecureModel.createTop(c.network(), cut, new SecureSetup(role, Mode.OPTIMIZED, fp, topInitializer(c)),
                    c.sgd()));
        }
        LocalComputation.Result<List<double[]>> r = LocalComputation.run(tops.get(0).plan(), turns.size(),
                AesCtrPrg.freshSeed(), fp, outsiders, (party, randomness) -> {
                    SecureModel top = tops.get(party.role().partyIndex());
                    for (Role o : outsiders.keySet()) {
                        party.acceptContributor(o);
                    }
                    for (int step = 0; step < turns.size(); step++) {
                        Role active = holder(turns.get(step).holder());
                        party.beginStep(step, randomness.forStep(step));
                        Ring128Tensor a = party.contributedInput(active, cut, 0);
                        Ring128Tensor y = party.contributedInput(LABELS, labels, 0);
                        top.trainStep(party, a, y);
                        party.revealToContributor(active, top.cutGradient(), 0);
                    }
                    return top.revealTo(party, Role.P0);
                });
        traffic.put(Role.P0, r.p0Traffic());
        traffic.put(Role.P1, r.p1Traffic());
        traffic.put(Role.DEALER, r.dealerTraffic());
        List<double[]> model = new ArrayList<>(finalBottom.get());
        model.addAll(r.p0());
        return new Result(model, traffic);
    }

    /** Sends {@code mine} to every other holder, takes theirs, and returns the weighted average of all. */
    private static List<double[]> averageAmongHolders(Transport t, Config c, int me, int step, List<double[]> mine,
                                                      int[] weights) {
        Tag tag = new Tag(Tag.Kind.WEIGHTS, step + 1, 0);
        for (int h = 0; h < c.holders(); h++) {
            if (h != me) {
                t.sendBytes(holder(h), tag, encodeWeights(mine));
            }
        }
        List<List<double[]>> all = new ArrayList<>();
        for (int h = 0; h < c.holders(); h++) {
            all.add(h == me ? mine : decodeWeights(t.receiveBytes(holder(h), tag), mine));
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
        double total = java.util.Arrays.stream(weights).sum();
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

    /** A bottom's parameters as bytes for the next holder: each tensor's length, then its doubles. */
    static byte[] encodeWeights(List<double[]> params) {
        int bytes = 0;
        for (double[] p : params) {
            bytes += 4 + 8 * p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(bytes);
        for (double[] p : params) {
            b.putInt(p.length);
            for (double v : p) {
                b.putDouble(v);
            }
        }
        return b.array();
    }

    /** The parameters {@link #encodeWeights} wrote, refused unless shaped like {@code like}. */
    static List<double[]> decodeWeights(byte[] bytes, List<double[]> like) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        List<double[]> out = new ArrayList<>();
        for (double[] l : like) {
            if (b.remaining() < 4 || b.getInt() != l.length || b.remaining() < 8 * l.length) {
                throw new IllegalArgumentException("the bottom weights from the previous holder do not fit this network");
            }
            double[] v = new double[l.length];
            for (int i = 0; i < v.length; i++) {
                v[i] = b.getDouble();
            }
            out.add(v);
        }
        if (b.hasRemaining()) {
            throw new IllegalArgumentException("the bottom weights from the previous holder do not fit this network");
        }
        return out;
    }

    /** The traffic table of a secure run: per participant, values and bytes sent and received. */
    static String trafficTable(Map<Role, TrafficCounter> traffic) {
        StringBuilder s = new StringBuilder(String.format("%-12s %16s %16s%n", "participant", "bytes sent", "bytes received"));
        traffic.entrySet().stream().sorted(Map.Entry.comparingByKey(java.util.Comparator.comparing(Role::name)))
                .forEach(e -> s.append(String.format("%-12s %,16d %,16d%n", e.getKey(),
                        e.getValue().total(TrafficCounter.Direction.SENT).bytes(),
                        e.getValue().total(TrafficCounter.Direction.RECEIVED).bytes())));
        return s.toString();
    }
}
