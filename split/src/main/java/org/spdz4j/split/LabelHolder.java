package org.spdz4j.split;

import java.util.List;
import java.util.Map;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.Contributor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.FloatTensor;
import org.spdz4j.run.Messages;
import org.spdz4j.split.SplitTraining.Busy;
import org.spdz4j.split.SplitTraining.Config;
import org.spdz4j.split.SplitTraining.Progress;
import org.spdz4j.split.SplitTraining.Turn;
import org.spdz4j.split.SplitTraining.Where;

/**
 * The label holder's part of a split run: it matches the holders' samples, then trains the top in
 * the clear (plain) or shares the labels with P0 and P1 (secure).
 *
 * <pre>{@code
 * LabelHolder.run(config, labelsById, SplitTraining.Checkpoints.NONE, transport, SplitTraining.Progress.NONE,
 *         new SplitTraining.Busy());
 * }</pre>
 */
public final class LabelHolder {
    private LabelHolder() {
    }

    /**
     * The label holder's part: it matches the holders' samples and tells everyone the epoch the
     * run goes on from, then trains the top (plain: saved at each epoch's end into and resumed from
     * {@code checkpoints}) or shares the labels (secure: {@code checkpoints} must be NONE).
     */
    public static void run(Config c, Map<String, Integer> labelFile, SplitTraining.Checkpoints checkpoints, Transport t,
                           Progress afterStep, Busy busy) {
        run(c, labelFile, List.of(), checkpoints, t, afterStep, busy);
    }

    /**
     * As {@link #run(Config, Map, SplitTraining.Checkpoints, Transport, Progress, Busy)}, with the
     * classes the label file names ({@link SplitData#readLabelFile}; empty where its labels are
     * numbers): a holder whose test data names others is refused before the first step.
     */
    public static void run(Config c, Map<String, Integer> labelFile, List<String> classes, SplitTraining.Checkpoints checkpoints,
                           Transport t, Progress afterStep, Busy busy) {
        checkpoints.checkKeepsState(c.where(), t.self()); // its saved epochs are read once, for the label holder
        SplitCodec.Match match = SplitCodec.matchHolders(c, labelFile, classes, checkpoints, t);
        int[][] y = match.labels();
        List<Turn> turns = match.turns();
        Shape labels = Shape.of(c.batchSize(), c.network().outputs());
        if (c.where() == Where.SECURE) {
            Contributor shares = Contributor.connect(t);
            for (int step = match.firstStep(); step < turns.size(); step++) {
                shares.input(step, 0, FixedPoint.DEFAULT.encode(labels, oneHot(y[turns.get(step).holder()], turns.get(step).batch(), labels.dim(1))));
                afterStep.after(step, turns.size(), Double.NaN);
            }
            SplitCodec.awaitRunEnd(t);
            return;
        }
        FloatModel top = SplitTraining.floatTop(c);
        Shape cut = SplitTraining.cut(c);
        int first = match.firstStep();
        if (first > 0) {
            SplitTraining.restore(top, SplitCheckpoint.readFloats(checkpoints.dir(), t.self(), match.firstEpoch(),
                    match.runHash(c), SplitTraining.state(top)));
        }
        for (int step = first; step < turns.size(); step++) {
            Turn turn = turns.get(step);
            Role from = SplitTraining.holder(turn.holder());
            double[] a = Messages.receiveDoubles(t, from, Tag.Kind.INPUT, step, new int[]{cut.size()}).get(0);
            top.learningRateFactor(c.schedule().factor(step, turns.size()));
            long start = System.nanoTime();
            FloatModel.Step s = top.trainOn(new FloatTensor(cut, a),
                    new FloatTensor(labels, oneHot(y[turn.holder()], turn.batch(), labels.dim(1))));
            busy.add(System.nanoTime() - start);
            Messages.sendDoubles(t, from, Tag.Kind.OUTPUT, step, List.of(s.inputGradient().values()));
            if (checkpoints.saves() && match.savesAfter(step)) {
                SplitCheckpoint.writeFloats(checkpoints.dir(), t.self(), turn.epoch() + 1, match.runHash(c), SplitTraining.state(top));
            }
            afterStep.after(step, turns.size(), s.loss());
        }
        Messages.sendDoubles(t, SplitTraining.OWNER, Tag.Kind.OUTPUT, turns.size(), top.paramValues());
    }

    /** One-hot rows (of {@code classes}) of {@code labels[i]} for each {@code i} of {@code batch}. */
    static double[] oneHot(int[] labels, int[] batch, int classes) {
        double[] v = new double[batch.length * classes];
        for (int i = 0; i < batch.length; i++) {
            int label = labels[batch[i]];
            if (label < 0 || label >= classes) { // it would mark another row's class
                throw new IllegalArgumentException("label " + label + " of sample " + batch[i] + " is not one of the network's "
                        + classes + " classes");
            }
            v[i * classes + label] = 1;
        }
        return v;
    }
}
