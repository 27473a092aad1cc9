package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;

/** The softmax's row rescaling: its planned schedule keeps its promise, and on shares it gives the twin's softmax in few rounds. */
class RowNormaliserTest {
    private static final FixedPoint FP = FixedPoint.DEFAULT;

    @ParameterizedTest(name = "C = {0}")
    @ValueSource(ints = {2, 3, 10, 26, 100})
    void theScheduleKeepsRowSumsInItsBandWhateverTheRowIs(int classes) {
        for (boolean fused : new boolean[]{false, true}) {
            RowNormaliser.Schedule s = RowNormaliser.schedule(classes, 8, fused);
            assertEquals(fused, s.fused());
            double lo = 1 - s.band();
            double hi = 1 + s.band();
            // every sum of squares a row summing to [lo, hi] can have, rescaled and refined as planned;
            // fused, the last refinement's y off by up to its quantum either way, and w's C elements too
            double yQuantum = fused ? Math.scalb(1.0, -RowNormaliser.FUSED_Y_BITS) : 0;
            double wQuantum = fused ? classes * Math.scalb(1.0, -RowNormaliser.FUSED_W_BITS) : 0;
            double worstBand = 0;
            double worstFinal = 0;
            int n = 20000;
            for (int i = 0; i <= n; i++) {
                double r = lo * lo / classes * Math.pow(hi * hi / (lo * lo / classes), (double) i / n);
                double sum = r * s.p(r);
                double beforeLast = refine(sum, s.refinements() - 1);
                for (int sign = -1; sign <= 1; sign += 2) {
                    double between = s.refinements() == 0 ? sum
                            : beforeLast * (2 - beforeLast + sign * yQuantum) + sign * wQuantum;
                    worstBand = Math.max(worstBand, Math.abs(between - 1));
                }
                double last = refine(sum, s.finalRefinements());
                worstFinal = Math.max(worstFinal, Math.abs(last - 1));
            }
            assertTrue(worstBand <= s.band(), s + ": a row sum " + worstBand + " from 1 between squarings");
            assertTrue(worstFinal <= 1e-7, s + ": the last row sums " + worstFinal + " from 1");
        }
    }

    private static double refine(double sum, int times) {
        for (int k = 0; k < times; k++) {
            sum = sum * (2 - sum);
        }
        return sum;
    }

    @Test
    void tenClassesTakeAFifthOfTheNewtonRoundsAndFusedSevenFewer() {
        RowNormaliser.Schedule s = RowNormaliser.schedule(10, 8, false);
        assertTrue(s.rounds(8) <= 30, s + " takes " + s.rounds(8) + " rounds (a Newton reciprocal after each squaring took 136)");
        RowNormaliser.Schedule fused = RowNormaliser.schedule(10, 8, true);
        assertEquals(s.rounds(8) - 7, fused.rounds(8), fused + " against " + s);
    }

    @Test
    void tooManyClassesAreRefusedNotApproximatedBadly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SoftmaxCrossEntropy.DEFAULT.secure(Shape.of(4, 1000), new SecureSetup(Role.P0, Mode.OPTIMIZED, FP, new Initializer(0, 0))));
        assertTrue(e.getMessage().contains("1000 classes"), e.getMessage());
    }

    /** Rows that push the rescaling to its ends: all equal (sums of squares 1/C), one far ahead (1), ties, a wide spread. */
    @ParameterizedTest(name = "C = {0}")
    @ValueSource(ints = {2, 3, 10, 100})
    void onSharesTheGradientIsTheTwinsAndTheRoundsThePlannedOnes(int classes) {
        int rows = 6;
        Shape s = Shape.of(rows, classes);
        double[] z = new double[s.size()];
        double[] y = new double[s.size()];
        double[] spread = SecureLayerTest.values(s.size(), 9, 1.0);
        for (int j = 0; j < classes; j++) {
            z[j] = 1.5;                                             // row 0: all equal
            z[classes + j] = j == 1 ? 40 : -3;                      // row 1: one far ahead
            z[2 * classes + j] = j < 2 ? 5 : 0;                     // row 2: a tie at the top
            z[3 * classes + j] = 100 * spread[3 * classes + j];      // row 3: [-100, 100]
            z[4 * classes + j] = 8 * spread[4 * classes + j];        // rows 4, 5: [-8, 8]
            z[5 * classes + j] = 0.01 * j;
        }
        for (int r = 0; r < rows; r++) {
            y[r * classes + r % classes] = 1;
        }
        for (Mode mode : Mode.values()) {
            SecureLayerTest.LossRun got = SecureLayerTest.runLoss(SoftmaxCrossEntropy.DEFAULT, mode, s, z, y);
            double[] expected = SoftmaxCrossEntropy.DEFAULT.twin(s).gradient(new FloatTensor(s, z), new FloatTensor(s, y)).values();
            // two units of the model's 20 bits; with 100 classes the first squares (about 1/C^2
            // at the loss's 32 bits) lose more, doubled by each later squaring
            double tolerance = classes <= 10 ? 2e-6 : 2e-5;
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], got.gradient()[i], tolerance, mode + " C=" + classes + " element " + i);
            }
            for (int r = 0; r < rows; r++) {   // p = N g + y sums to 1
                double sum = 0;
                for (int j = 0; j < classes; j++) {
                    sum += rows * got.gradient()[r * classes + j] + y[r * classes + j];
                }
                assertEquals(1, sum, 1e-4, mode + " row " + r + " of the softmax");
            }
            int squareRounds = SoftmaxCrossEntropy.DEFAULT.expSquarings();
            assertEquals(RowNormaliser.schedule(classes, squareRounds, mode == Mode.OPTIMIZED).rounds(squareRounds), got.rounds(),
                    mode + ": rounds of the loss");
        }
    }
}
