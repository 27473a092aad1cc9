package org.spdz4j.split;

import java.util.List;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.layers.SecureModel;
import org.spdz4j.split.SplitTraining.Busy;
import org.spdz4j.split.SplitTraining.Config;
import org.spdz4j.split.SplitTraining.Progress;
import org.spdz4j.split.SplitTraining.Turn;
import org.spdz4j.triples.Dealer;
import org.spdz4j.triples.Handshake;
import org.spdz4j.triples.PartyRandomness;

/**
 * P0's, P1's and the dealer's parts of a split run whose top runs on shares: the top trained on
 * the active holder's activations and the label holder's labels, the cut gradient revealed to that
 * holder alone, the top revealed to the model owner at the end.
 *
 * <pre>{@code
 * SecureTop.computeParty(config, SplitTraining.Checkpoints.NONE, transport, SplitTraining.Progress.NONE,
 *         new SplitTraining.Busy());                                                        // P0 or P1
 * SecureTop.dealer(config, transport, seed, Duration.ofHours(1));                                   // the dealer
 * }</pre>
 */
public final class SecureTop {
    private SecureTop() {
    }

    /**
     * P0's or P1's part once joined: the top trained on shares from the active holder's
     * activations and the label holder's labels, the cut gradient revealed to the active holder,
     * and after the last step the top revealed to the model owner alone.
     */
    static void trainTop(Config c, SplitCodec.Match match, SplitTraining.Checkpoints checkpoints, ComputeParty party,
                         PartyRandomness randomness, Progress afterStep, Busy busy) {
        List<Turn> turns = match.turns();
        SecureModel top = SplitTraining.secureTop(c, party.role());
        int first = match.firstStep();
        if (first > 0) {
            SplitCheckpoint.readShares(checkpoints.dir(), party.role(), match.firstEpoch(), match.runHash(c), top.params());
        }
        for (int h = 0; h < c.holders(); h++) {
            party.acceptContributor(SplitTraining.holder(h));
        }
        party.acceptContributor(SplitTraining.LABELS);
        Shape cut = SplitTraining.cut(c);
        Shape labels = Shape.of(c.batchSize(), c.network().outputs());
        for (int step = first; step < turns.size(); step++) {
            Role active = SplitTraining.holder(turns.get(step).holder());
            party.beginStep(step, randomness.forStep(step));
            top.learningRateFactor(c.schedule().factor(step, turns.size()));
            Ring128Tensor activations = party.contributedInput(active, cut, 0);
            Ring128Tensor oneHot = party.contributedInput(SplitTraining.LABELS, labels, 0);
            long start = System.nanoTime();
            top.trainStep(party, activations, oneHot);
            busy.add(System.nanoTime() - start);
            party.revealToContributor(active, top.cutGradient(), 0);
            if (checkpoints.saves() && match.savesAfter(step)) {
                SplitCheckpoint.writeShares(checkpoints.dir(), party.role(), turns.get(step).epoch() + 1, match.runHash(c),
                        top.params());
            }
            afterStep.after(step, turns.size(), Double.NaN);
        }
        top.revealToContributor(party, SplitTraining.OWNER, 1);
        SplitCodec.runEnded(party.transport());
    }

    /**
     * P0's or P1's part in its own process: the schedule from the label holder, the handshake
     * (with the other party on every fact, with the dealer on the plan and the steps), the top.
     */
    public static void computeParty(Config c, SplitTraining.Checkpoints checkpoints, Transport t, Progress afterStep,
                                    Busy busy) {
        checkpoints.checkKeepsState(c.where(), t.self()); // its saved epochs are read once, for the label holder
        SplitCodec.Match match = SplitCodec.joinMatch(c, checkpoints, t);
        Handshake.Party p = Handshake.computeParty(t, SplitTraining.topPlan(c), FixedPoint.DEFAULT, match.firstStep(),
                match.turns().size(), AesCtrPrg.freshSeed(), SplitTraining.facts(c));
        trainTop(c, match, checkpoints, p.party(), p.randomness(), afterStep, busy);
        Handshake.done(t);
    }

    /**
     * The dealer's part: the schedule (from P0, as the label holder told it), then the randomness
     * of every step from the one the parties go on from.
     */
    public static void dealer(Config c, Transport t, byte[] seed, java.time.Duration finish) {
        List<Turn> turns = SplitCodec.awaitMatch(c, t).turns();
        Dealer dealer = new Dealer(SplitTraining.topPlan(c), t, seed);
        for (int s = dealer.setup(turns.size()); s < turns.size(); s++) { // from the step the parties go on from
            dealer.produce(s);
        }
        Handshake.awaitParties(t, finish);
    }
}
