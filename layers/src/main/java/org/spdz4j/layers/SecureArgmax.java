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
 * class): up to {@value #ALL_PAIRS_UP_TO} classes by comparing every pair at once
 * ({@link AllPairsArgmax}: one comparison and a product of its bits, 4 rounds, up to 10 classes;
 * two comparisons in a row, 7 rounds, above), beyond by a {@link Tournament}
 * of secure comparisons ({@code ceil(log2 C)} in a row, then as many products); and the
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
    /**
     * Up to this many classes every pair is compared at once: 120 pairs a row at 16, where the
     * dealer's bytes for them are still small next to a network's.
     */
    static final int ALL_PAIRS_UP_TO = 16;

    private final int rows;
    private final int classes;
    private final Tournament tournament; // null where allPairs serves
    private final AllPairsArgmax allPairs; // null where tournament serves
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
        this.allPairs = classes <= ALL_PAIRS_UP_TO ? new AllPairsArgmax(classes, rows, bits) : null;
        this.tournament = allPairs == null ? new Tournament(classes, rows, bits) : null;
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
        if (allPairs != null) {
            allPairs.declare(plan);
        } else {
            tournament.declareMax(plan, null);
            tournament.declareRoute(plan, null, false);
        }
    }

    /**
     * Shares of each row's argmax as an integer {@code 0 .. C-1} in the ring (not fixed point),
     * shape (N): {@code sum_c (c + C) hot_c - C}, local once the one-hot is shared. That is the
     * class where the row has one winner, as it has while its logits differ by less than the
     * comparisons' range; a row left with no winner or several (possible only beyond the range,
     * with {@link AllPairsArgmax}) gives a number outside {@code 0 .. C-1}, which a client can tell.
     */
    public Ring128Tensor classIndex(ComputeParty party, Ring128Tensor logits) {
        Ring128Tensor hot = oneHot(party, logits);
        long[] weights = new long[classes];
        for (int c = 0; c < classes; c++) {
            weights[c] = c + classes;
        }
        Ring128Tensor perClass = Ring128Tensor.ofLongs(Shape.of(classes, 1), weights);
        return party.addPublic(hot.matmul(perClass, false, false).reshape(Shape.of(rows)), -classes);
    }

    /** Shares of the one-hot argmax of each row (0 or 1 in the ring, not fixed point), shape (N, C). */
    public Ring128Tensor oneHot(ComputeParty party, Ring128Tensor logits) {
        List<Ring128Tensor> candidates = Tournament.gatherAll(logits, columns);
        Ring128Tensor selected;
        if (allPairs != null) {
            selected = allPairs.oneHot(party, candidates);
        } else {
            tournament.max(party, candidates);
            selected = tournament.route(party, party.addPublic(Ring128Tensor.zeros(Shape.of(rows)), 1)).share();
        }
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
