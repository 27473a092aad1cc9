package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.triples.LocalComputation;
import org.spdz4j.triples.Plan;

/** One-hot argmax and accuracy on shares against the plaintext argmax (ties to the lower class). */
class SecureArgmaxTest {
    private static final FixedPoint FP = FixedPoint.DEFAULT;

    private static int firstMax(double[] v) {
        int best = 0;
        for (int i = 1; i < v.length; i++) {
            if (v[i] > v[best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void oneHotArgmaxAndTheCountOfCorrectRowsMatchPlaintext() {
        int rows = 40;
        int classes = 10;
        Shape shape = Shape.of(rows, classes);
        double[] logits = new double[rows * classes];
        AesCtrPrg prg = new AesCtrPrg(new byte[16]);
        Ring128Tensor r = prg.tensor(Shape.of(rows * classes), 3, 0);
        for (int i = 0; i < logits.length; i++) {
            logits[i] = ((r.lo(i) >>> 40) % 2001 - 1000) / 100.0; // -10 .. 10, with ties
        }
        logits[5 * classes + 2] = 50;                                          // a tie at the top of row 5:
        logits[5 * classes + 7] = 50;                                          // class 2 wins
        double[] labels = new double[rows * classes];
        int expectedCorrect = 0;
        int[] expected = new int[rows];
        for (int n = 0; n < rows; n++) {
            double[] row = java.util.Arrays.copyOfRange(logits, n * classes, (n + 1) * classes);
            expected[n] = firstMax(row);
            assertEquals(expected[n], Tournament.winner(row), "the tournament keeps the first maximum");
            int label = (int) ((r.hi(n) >>> 40) % classes);
            if (n % 3 == 0) {
                label = expected[n]; // some right
            }
            labels[n * classes + label] = 1;
            expectedCorrect += label == expected[n] ? 1 : 0;
        }
        assertEquals(2, expected[5]);

        SecureArgmax[] argmax = {new SecureArgmax(shape, Relu.DEFAULT_BITS), new SecureArgmax(shape, Relu.DEFAULT_BITS)};
        Plan.Builder b = Plan.builder("argmax test");
        argmax[0].declare(b);
        Plan plan = b.build();
        argmax[1].declare(Plan.builder("argmax test"));
        LocalComputation.Result<List<Object>> out = LocalComputation.run(plan, 2, AesCtrPrg.freshSeed(), FP,
                (party, randomness) -> {
                    SecureArgmax a = argmax[party.role().partyIndex()];
                    party.beginStep(0, randomness.forStep(0));
                    Ring128Tensor z = party.shareInput(Role.P0, FP.encode(shape, logits), shape, 0);
                    Ring128Tensor y = party.shareInput(Role.P1, FP.encode(shape, labels), shape, 1);
                    long correct = a.correct(party, z, y);
                    party.beginStep(1, randomness.forStep(1)); // the comparisons serve once a step
                    return List.of(correct, party.open(a.oneHot(party, z)));
                });
        assertEquals((long) expectedCorrect, out.p0().get(0));
        assertEquals((long) expectedCorrect, out.p1().get(0));
        Ring128Tensor hot = (Ring128Tensor) out.p0().get(1);
        for (int n = 0; n < rows; n++) {
            for (int c = 0; c < classes; c++) {
                assertEquals(c == expected[n] ? 1 : 0, hot.lo(n * classes + c), "row " + n + " class " + c);
                assertEquals(0, hot.hi(n * classes + c));
            }
        }
    }

    /** P0's opened class numbers of {@code logits} (rows of {@code classes}) and the rounds the argmax took. */
    private static Object[] classIndex(int classes, double[] logits) {
        int rows = logits.length / classes;
        Shape shape = Shape.of(rows, classes);
        SecureArgmax[] argmax = {new SecureArgmax(shape, Relu.DEFAULT_BITS), new SecureArgmax(shape, Relu.DEFAULT_BITS)};
        Plan.Builder b = Plan.builder("class index test");
        argmax[0].declareOneHot(b);
        Plan plan = b.build();
        argmax[1].declareOneHot(Plan.builder("class index test"));
        LocalComputation.Result<Object[]> out = LocalComputation.run(plan, 1, AesCtrPrg.freshSeed(), FP,
                (party, randomness) -> {
                    party.beginStep(0, randomness.forStep(0));
                    Ring128Tensor z = party.shareInput(Role.P0, FP.encode(shape, logits), shape, 0);
                    long before = party.transport().traffic().rounds();
                    Ring128Tensor c = argmax[party.role().partyIndex()].classIndex(party, z);
                    long rounds = party.transport().traffic().rounds() - before;
                    return new Object[]{party.open(c), rounds};
                });
        return out.p0();
    }

    @Test
    void classNumbersEqualTheFirstMaximumForEveryClassCountAndTheRoundsAreFew() {
        AesCtrPrg prg = new AesCtrPrg(new byte[16]);
        for (int classes : new int[]{2, 3, 10, 11, 16, 17}) {
            int rows = 24;
            double[] logits = new double[rows * classes];
            Ring128Tensor r = prg.tensor(Shape.of(logits.length), classes, 0);
            for (int i = 0; i < logits.length; i++) {
                logits[i] = ((r.lo(i) >>> 40) % 41 - 20) / 4.0; // -5 .. 5 by quarters: many ties
            }
            for (int c = 0; c < classes; c++) {
                logits[c] = 3; // row 0: all tied, class 0 wins
                logits[classes + c] = -1000 + 0.5 * c; // row 1: the last class, logits near the range's middle
            }
            Object[] got = classIndex(classes, logits);
            Ring128Tensor opened = (Ring128Tensor) got[0];
            for (int n = 0; n < rows; n++) {
                int expected = firstMax(java.util.Arrays.copyOfRange(logits, n * classes, (n + 1) * classes));
                assertEquals(0, opened.hi(n), classes + " classes, row " + n);
                assertEquals(expected, opened.lo(n), classes + " classes, row " + n);
            }
            long rounds = (long) got[1];
            if (classes <= AllPairsArgmax.MONOMIALS_UP_TO) {
                assertEquals(4, rounds, classes + " classes: one comparison, the winner a product of its bits");
            } else if (classes <= SecureArgmax.ALL_PAIRS_UP_TO) {
                assertEquals(7, rounds, classes + " classes: two comparisons in a row");
            } else {
                assertTrue(rounds >= 20, classes + " classes: a tournament of five levels, " + rounds + " rounds");
            }
        }
    }

    @Test
    void logitsBeyondTheComparisonsRangeThatLeaveNoWinnerGiveNoClass() {
        // 0 < 300,000 < 600,000, but 600,000 - 0 is beyond 2^19: the first "beats" the third, a cycle
        double[] logits = {0, 300_000, 600_000, 1, 2, 3};
        Ring128Tensor opened = (Ring128Tensor) classIndex(3, logits)[0];
        long first = opened.lo(0);
        assertTrue(opened.hi(0) != 0 || first < 0 || first >= 3, "a row with no winner must give no class: " + first);
        assertEquals(2, opened.lo(1), "the row within range is answered");
        assertEquals(0, opened.hi(1));
    }
}
