package org.spdz4j.split;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.Contributor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.data.Dataset;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.FloatTensor;
import org.spdz4j.run.Messages;
import org.spdz4j.split.SplitTraining.Busy;
import org.spdz4j.split.SplitTraining.Config;
import org.spdz4j.split.SplitTraining.Turn;
import org.spdz4j.split.SplitTraining.Where;

/**
 * A data holder's part of a split run: it sends its ids and facts to the label holder, runs the
 * bottom on its turns (round robin: the bottom and its momentum handed holder to holder; SplitFed:
 * every bottom averaged among the holders at each epoch's end), and at the end the last bottom
 * goes to the model owner, which assembles the model.
 *
 * <pre>{@code
 * List<double[]> model = DataHolder.run(config, 0, part, SplitTraining.Checkpoints.NONE, transport,
 *         new SplitTraining.Busy());  // the model at HOLDER0, null elsewhere
 * }</pre>
 */
public final class DataHolder {
    private DataHolder() {
    }

    /**
     * Data holder {@code me}'s part: matching, its turns, the bottom's hand-overs, and at the end
     * the model's assembly; its bottom saved at each epoch's end into and resumed from {@code
     * checkpoints}. Returns the assembled model at {@link SplitTraining#OWNER}, null elsewhere.
     */
    public static List<double[]> run(Config c, int me, SplitData.HolderPart data, SplitTraining.Checkpoints checkpoints,
                                     Transport t, Busy busy) {
        return run(c, me, data, null, checkpoints, t, busy);
    }

    /**
     * As {@link #run(Config, int, SplitData.HolderPart, SplitTraining.Checkpoints, Transport, Busy)},
     * at a holder that tests the model on {@code test} (null: none): the label holder refuses the
     * run before the first step where its labels name other classes than {@code test}'s, and for a
     * CSV every holder standardises its columns by the statistics {@code test} was standardised by
     * (its training file's), not by its own part's.
     */
    public static List<double[]> run(Config c, int me, SplitData.HolderPart data, Dataset test,
                                     SplitTraining.Checkpoints checkpoints, Transport t, Busy busy) {
        return run(c, me, data, test == null ? List.of() : test.classes(), test == null ? null : test.featureScaling(),
                checkpoints, t, busy);
    }

    /** As above, the test data given by its classes and column statistics (empty and null: none). */
    static List<double[]> run(Config c, int me, SplitData.HolderPart data, List<String> testClasses,
                              org.spdz4j.layers.FeatureScaling testFeatures, SplitTraining.Checkpoints checkpoints, Transport t,
                              Busy busy) {
        Messages.sendBytes(t, SplitTraining.LABELS, Tag.Kind.MATCH, 0, SplitCodec.matchRequest(c, data.ids(),
                SplitCodec.Held.of(checkpoints, t.self()), testClasses, testFeatures));
        SplitCodec.Match match = SplitCodec.awaitMatch(c, t);
        List<Turn> turns = match.turns();
        // standardised as every holder's are (a non-IID part keeps what sets it apart)
        Dataset images = data.images().standardisedAs(match.features()).scaled(c.scaling());
        FixedPoint fp = FixedPoint.DEFAULT;
        Shape cut = SplitTraining.cut(c);
        FloatModel bottom = SplitTraining.bottom(c, c.init().initializer(c.seed()));
        Contributor shares = c.where() == Where.SECURE ? Contributor.connect(t) : null;
        int first = match.firstStep();
        if (first > 0) {
            SplitTraining.restore(bottom, SplitCheckpoint.readFloats(checkpoints.dir(), t.self(), match.firstEpoch(),
                    match.runHash(c), SplitTraining.state(bottom)));
            handOverIfEnding(c, me, turns, first - 1, bottom, t); // the next holder's turn begins with it
        }
        for (int step = first; step < turns.size(); step++) {
            Turn turn = turns.get(step);
            if (turn.holder() == me) {
                if (!c.parallel() && step > 0 && turns.get(step - 1).holder() != me) { // my turn begins
                    SplitTraining.restore(bottom, Messages.receiveDoubles(t, SplitTraining.holder(turns.get(step - 1).holder()),
                            Tag.Kind.WEIGHTS, step, Messages.lengths(SplitTraining.state(bottom)), SplitTraining.TURN_WAIT));
                }
                bottom.learningRateFactor(c.schedule().factor(step, turns.size()));
                long start = System.nanoTime();
                double[] a = bottom.forwardTraining(images.images(turn.batch())).values();
                long forward = System.nanoTime() - start;
                double[] g;
                if (shares == null) {
                    Messages.sendDoubles(t, SplitTraining.LABELS, Tag.Kind.INPUT, step, List.of(a));
                    g = Messages.receiveDoubles(t, SplitTraining.LABELS, Tag.Kind.OUTPUT, step, new int[]{a.length}).get(0);
                } else {
                    shares.input(step, 0, fp.encode(cut, a));
                    g = fp.decode(shares.result(step, 0, cut));
                }
                start = System.nanoTime();
                bottom.backwardAndUpdate(new FloatTensor(cut, g));
                busy.add(forward + System.nanoTime() - start);
            }
            if (c.parallel() && epochEnds(turns, step)) { // SplitFed: every holder averages every holder's bottom
                bottom.load(averageAmongHolders(t, c, me, step, bottom.paramValues(), stepsPerHolder(c, turns, turn.epoch())));
            }
            if (checkpoints.saves() && match.savesAfter(step)) { // before the hand-over: whoever takes it finds it saved
                SplitCheckpoint.writeFloats(checkpoints.dir(), t.self(), turn.epoch() + 1, match.runHash(c),
                        SplitTraining.state(bottom));
            }
            handOverIfEnding(c, me, turns, step, bottom, t);
        }
        return assemble(c, me, turns, bottom, shares, t);
    }

    /**
     * Round robin: if {@code step} was this holder's and the next is another's, the bottom as
     * the next holder takes it over: its parameters, then their momentum, so the next goes on
     * exactly where this one stopped (as one holder training the whole sequence would).
     */
    private static void handOverIfEnding(Config c, int me, List<Turn> turns, int step, FloatModel bottom, Transport t) {
        if (!c.parallel() && turns.get(step).holder() == me && step + 1 < turns.size() && turns.get(step + 1).holder() != me) {
            Messages.sendDoubles(t, SplitTraining.holder(turns.get(step + 1).holder()), Tag.Kind.WEIGHTS, step + 1,
                    SplitTraining.state(bottom));
        }
    }

    /** The last bottom goes to the model owner, which adds the top (in the clear from the label holder, or revealed to it). */
    private static List<double[]> assemble(Config c, int me, List<Turn> turns, FloatModel bottom, Contributor shares,
                                           Transport t) {
        int last = c.parallel() ? 0 : turns.get(turns.size() - 1).holder(); // SplitFed: all bottoms equal
        int end = turns.size();
        if (!t.self().equals(SplitTraining.OWNER)) {
            if (me == last) {
                Messages.sendDoubles(t, SplitTraining.OWNER, Tag.Kind.WEIGHTS, end, bottom.paramValues());
            }
            return null;
        }
        List<double[]> model = new ArrayList<>(me == last ? bottom.paramValues()
                : Messages.receiveDoubles(t, SplitTraining.holder(last), Tag.Kind.WEIGHTS, end, Messages.lengths(bottom.paramValues()), SplitTraining.TURN_WAIT));
        int[] top = Messages.lengths(SplitTraining.floatTop(c).paramValues());
        if (shares == null) {
            model.addAll(Messages.receiveDoubles(t, SplitTraining.LABELS, Tag.Kind.OUTPUT, end, top));
        } else {
            for (int i = 0; i < top.length; i++) {
                model.add(FixedPoint.DEFAULT.decode(shares.result(end - 1, 1 + i, Shape.of(top[i]))));
            }
        }
        return model;
    }

    /** Sends {@code mine} to every other holder, takes theirs, and returns the weighted average of all. */
    private static List<double[]> averageAmongHolders(Transport t, Config c, int me, int step, List<double[]> mine,
                                                      int[] weights) {
        for (int h = 0; h < c.holders(); h++) {
            if (h != me) {
                Messages.sendDoubles(t, SplitTraining.holder(h), Tag.Kind.WEIGHTS, step + 1, mine);
            }
        }
        List<List<double[]>> all = new ArrayList<>();
        for (int h = 0; h < c.holders(); h++) {
            all.add(h == me ? mine
                    : Messages.receiveDoubles(t, SplitTraining.holder(h), Tag.Kind.WEIGHTS, step + 1, Messages.lengths(mine), SplitTraining.TURN_WAIT));
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
}
