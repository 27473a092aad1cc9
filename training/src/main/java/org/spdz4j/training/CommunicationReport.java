package org.spdz4j.training;

import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter.Direction;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.layers.SecureModel;
import org.spdz4j.triples.Dealer;

/** The communication table of DESIGN.md section 6, from P0's and the dealer's own counters. */
public final class CommunicationReport {
    private CommunicationReport() {
    }

    /** Values per party per step, by layer and phase; dealer traffic separately. */
    public static String table(LocalTraining.Result r) {
        long dealerP0 = r.dealerTraffic().total(Dealer.CORRECTION_SCOPE, Role.P0, Direction.SENT).values() / r.steps();
        long dealerP1 = r.dealerTraffic().total(Dealer.CORRECTION_SCOPE, Role.P1, Direction.SENT).values() / r.steps();
        long seed = r.dealerTraffic().total(Dealer.SETUP_SCOPE, Role.P0, Direction.SENT).bytes();
        return table(r.p0Traffic(), r.layerScopes(), r.steps())
                + String.format("dealer: %d values per step (%d to P0, %d to P1), and %d bytes to each at setup (a seed)%n",
                dealerP0 + dealerP1, dealerP0, dealerP1, seed);
    }

    /** The table from one compute party's counter. */
    public static String table(TrafficCounter t, java.util.List<String> layerScopes, int steps) {
        StringBuilder b = new StringBuilder();
        b.append(String.format("%-48s %12s %12s %12s %8s%n", "layer (values sent by P0 per step)", "forward", "backward",
                "total", "rounds"));
        long total = 0;
        long rounds = 0;
        for (String scope : layerScopes) {
            long f = values(t, SecureModel.forwardScope(scope), steps);
            long bw = values(t, SecureModel.backwardScope(scope), steps);
            long r = rounds(t, SecureModel.forwardScope(scope), steps) + rounds(t, SecureModel.backwardScope(scope), steps);
            total += f + bw;
            rounds += r;
            if (f + bw > 0) {
                b.append(String.format("%-48s %12d %12d %12d %8d%n", scope, f, bw, f + bw, r));
            }
        }
        long check = values(t, SecureModel.RANGE_CHECK_SCOPE, steps);
        long checkRounds = rounds(t, SecureModel.RANGE_CHECK_SCOPE, steps);
        if (check > 0) { // --check-range: all checked tensors' comparisons, and the verdict
            total += check;
            rounds += checkRounds;
            b.append(String.format("%-48s %12d %12s %12d %8d%n", "range check", check, "", check, checkRounds));
        }
        long loss = values(t, SecureModel.LOSS_SCOPE, steps);
        long lossRounds = rounds(t, SecureModel.LOSS_SCOPE, steps);
        total += loss;
        rounds += lossRounds;
        b.append(String.format("%-48s %12s %12d %12d %8d%n", "loss (softmax cross-entropy gradient)", "", loss, loss, lossRounds));
        b.append(String.format("%-48s %12s %12s %12d %8d%n", "total", "", "", total, rounds));
        return b.toString();
    }

    /** Exchange rounds per step in one scope. */
    static long rounds(TrafficCounter t, String scope, int steps) {
        return t.rounds(scope) / steps;
    }

    static long values(TrafficCounter t, String scope, int steps) {
        return t.total(scope, Role.P1, Direction.SENT).values() / steps;
    }
}
