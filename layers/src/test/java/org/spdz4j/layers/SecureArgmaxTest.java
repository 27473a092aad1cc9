package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
}
