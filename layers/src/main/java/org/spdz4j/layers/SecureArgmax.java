package org.spdz4j.layers;

import java.util.List;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry.Product;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.triples.Plan;

/**
 * The argmax of each row of shared logits {@code (N, C)} as one-hot shares (ties go to the lower
 * class), by a {@link Tournament} of secure comparisons; and the
 * number of rows whose argmax is the row's label, with only that count revealed: accuracy on
 * shares, neither predictions nor labels opened. For one party: declare, then use once per step.
 *
 * <pre>{@code
 * SecureArgmax argmax = new SecureArgmax(Shape.of(128, 10), Relu.DEFAULT_BITS);
 * argmax.declare(planBuilder);
 * long correct = argmax.correct(party, logitShares, oneHotLabelShares);   // the count only
 * }</pre>
 */
public final class SecureArgmax {
    private final int rows;
    private final int classes;
    private final Tournament tournament;
    private final int[][] columns; // columns[c][n]: where class c of row n is in the logits
    private Mask oneHotMask;
    private Mask labelMask;
    private Product agreement;

    /**
     * @param logits shape (N, C)
     * @param bits   comparison width (see {@link Relu})
     */
    public SecureArgmax(Shape logits, int bits) {
        if (logits.rank() != 2 || logits.dim(1) < 2) {
            throw new IllegalArgumentException("argmax needs logits of shape (N, C) with C >= 2, got " + logits);
        }
        this.rows = logits.dim(0);
        this.classes = logits.dim(1);
        this.tournament = new Tournament(classes, rows, bits);
        this.columns = new int[classes][rows];
        for (int c = 0; c < classes; c++) {
            for (int n = 0; n < rows; n++) {
                columns[c][n] = n * classes + c;
            }
        }
    }

    /** Declares the comparisons, the routing and the accuracy product. */
    public void declare(Plan.Builder plan) {
        declareOneHot(plan);
        Shape s = Shape.of(rows, classes);
        oneHotMask = plan.mask(s);
        labelMask = plan.mask(s);
        agreement = plan.product(BilinearOps.elementwise(), oneHotMask, labelMask, 0);
    }

    /** Declares the comparisons and the routing only: for {@link #oneHot} and {@link #classIndex}, not {@link #correct}. */
    public void declareOneHot(Plan.Builder plan) {
        tournament.declareMax(plan, null);
        tournament.declareRoute(plan, null, false);
    }

    /**
     * Shares of each row's argmax as an integer {@code 0 .. C-1} in the ring (not fixed point),
     * shape (N): the one-hot times the class numbers, summed; local once the one-hot is shared.
     */
    public Ring128Tensor classIndex(ComputeParty party, Ring128Tensor logits) {
        Ring128Tensor hot = oneHot(party, logits);
        long[] weights = new long[classes];
        for (int c = 0; c < classes; c++) {
            weights[c] = c;
        }
        Ring128Tensor perClass = Ring128Tensor.ofLongs(Shape.of(classes, 1), weights);
        return hot.matmul(perClass, false, false).reshape(Shape.of(rows));
    }

    /** Shares of the one-hot argmax of each row (0 or 1 in the ring, not fixed point), shape (N, C). */
    public Ring128Tensor oneHot(ComputeParty party, Ring128Tensor logits) {
        tournament.max(party, Tournament.gatherAll(logits, columns));
        Ring128Tensor selected = tournament.route(party, party.addPublic(Ring128Tensor.zeros(Shape.of(rows)), 1)).share();
        return Tournament.scatterAll(selected, columns, Shape.of(rows, classes));
    }

    /**
     * How many rows' argmax is their label, revealed to both parties (nothing else is): labels
     * as shares of a fixed-point one-hot {@code (N, C)}.
     */
    public long correct(ComputeParty party, Ring128Tensor logits, Ring128Tensor labels) {
        Ring128Tensor hot = oneHot(party, logits);
        List<MaskedTensor> m = party.maskAll(List.of(hot, labels), List.of(oneHotMask, labelMask));
        Ring128Tensor agree = party.multiply(agreement, m.get(0), m.get(1));
        Ring128Tensor total = agree.reshape(Shape.of(1, rows * classes)).rowSums();
        FixedPoint fp = party.fixedPoint();
        return Math.round(fp.decode(party.open(total))[0]);
    }
}
