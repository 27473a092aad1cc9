package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter.Direction;

/** The embedding facade against plaintext: matmul, square, convolution within the fixed-point bound. */
class SessionTest {
    private static final FixedPoint FP = FixedPoint.DEFAULT;

    /** Deterministic test values in [-2, 2). */
    private static double[] values(long seed, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = Math.floorMod(i * 7919L + seed * 104729L, 4000L) / 1000.0 - 2;
        }
        return v;
    }

    private static void near(double[] expected, double[] actual, double bound, String what) {
        assertEquals(expected.length, actual.length, what);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], bound, what + " element " + i);
        }
    }

    @Test
    void matmulSquareAndConvolutionEqualPlaintext() {
        double[] x = values(1, 6 * 5);
        double[] w = values(2, 5 * 4);
        double[] img = values(3, 2 * 2 * 6 * 6);
        double[] k = values(4, 3 * 2 * 3 * 3);
        LocalComputation.Result<double[][]> r = Session.runLocal(s -> {
            SecretTensor xs = s.input(Role.P0, x, Shape.of(6, 5));
            SecretTensor ws = s.input(Role.P1, w, Shape.of(5, 4));
            SecretTensor is = s.input(Role.P0, img, Shape.of(2, 2, 6, 6));
            SecretTensor ks = s.input(Role.P1, k, Shape.of(3, 2, 3, 3));
            return new double[][]{s.reveal(s.matmul(xs, ws)), s.reveal(s.square(xs)), s.reveal(s.mul(xs, xs)),
                    s.reveal(s.conv2d(is, ks, 1, 1)), s.reveal(s.sum(s.scale(xs, 0.5)))};
        });
        // each output is a sum of at most 18 products of values below 2: encoding and truncation error a few ulp
        double bound = 64 * FP.ulp();
        double[] xw = new double[6 * 4];
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 4; j++) {
                for (int t = 0; t < 5; t++) {
                    xw[i * 4 + j] += x[i * 5 + t] * w[t * 4 + j];
                }
            }
        }
        near(xw, r.p0()[0], bound, "matmul");
        double[] sq = new double[x.length];
        double half = 0;
        for (int i = 0; i < x.length; i++) {
            sq[i] = x[i] * x[i];
            half += x[i] / 2;
        }
        near(sq, r.p0()[1], bound, "square");
        near(sq, r.p0()[2], bound, "mul(x, x)");
        near(conv(img, k), r.p0()[3], bound, "conv2d");
        near(new double[]{half}, r.p0()[4], bound, "sum");
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(r.p0()[i], r.p1()[i], "both parties see the same revealed values");
        }
    }

    /** Plain convolution: input (2, 2, 6, 6), weights (3, 2, 3, 3), stride 1, padding 1. */
    private static double[] conv(double[] in, double[] k) {
        double[] out = new double[2 * 3 * 6 * 6];
        for (int n = 0; n < 2; n++) {
            for (int o = 0; o < 3; o++) {
                for (int y = 0; y < 6; y++) {
                    for (int x = 0; x < 6; x++) {
                        double acc = 0;
                        for (int c = 0; c < 2; c++) {
                            for (int dy = 0; dy < 3; dy++) {
                                for (int dx = 0; dx < 3; dx++) {
                                    int iy = y + dy - 1;
                                    int ix = x + dx - 1;
                                    if (iy >= 0 && iy < 6 && ix >= 0 && ix < 6) {
                                        acc += in[((n * 2 + c) * 6 + iy) * 6 + ix] * k[((o * 2 + c) * 3 + dy) * 3 + dx];
                                    }
                                }
                            }
                        }
                        out[((n * 3 + o) * 6 + y) * 6 + x] = acc;
                    }
                }
            }
        }
        return out;
    }

    @Test
    void aTensorIsOpenedOnceAndAProductsOperandsInOneRound() {
        LocalComputation.Result<double[]> r = Session.runLocal(s -> {
            SecretTensor x = s.input(Role.P0, values(5, 16), Shape.of(4, 4));
            SecretTensor y = s.input(Role.P1, values(6, 16), Shape.of(4, 4));
            SecretTensor xy = s.matmul(x, y);             // one round: x and y together
            SecretTensor again = s.matmul(y, x, true, false); // no opening: both already open
            SecretTensor sq = s.square(x);                 // no opening either
            return s.reveal(s.add(s.add(xy, again), sq));  // one round
        });
        assertEquals(2, r.p0Traffic().rounds());
        // x and y, then the result; each opening also carries one element: the transcript's digest
        assertEquals(2 * 16 + 16 + 2, r.p0Traffic().total(Role.P1, Direction.SENT).values());
    }

    @Test
    void theOwnersValuesAreRequiredAndForeignTensorsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Session.runLocal(s ->
                s.reveal(s.input(Role.P1, Role.P1.equals(s.role()) ? new double[3] : null, Shape.of(4)))));
        assertTrue(e.getMessage().contains("P1 owns input 0 of shape [4] and must supply 4 values, got 3"), e.getMessage());
        SecretTensor[] kept = new SecretTensor[1];
        Session.plan("keep", FP, s -> kept[0] = s.input(Role.P0, null, Shape.of(2)));
        IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class,
                () -> Session.runLocal(s -> s.reveal(s.mul(kept[0], s.input(Role.P0, new double[2], Shape.of(2))))));
        assertTrue(foreign.getMessage().contains("belongs to another session"), foreign.getMessage());
    }

    @Test
    void thePlanIsRecordedFromTheProgram() {
        Plan p = Session.plan("p", FP, s -> {
            SecretTensor x = s.input(Role.P0, null, Shape.of(3, 4));
            SecretTensor w = s.input(Role.P1, null, Shape.of(4, 2));
            return s.reveal(s.square(s.matmul(x, w)));
        });
        // x, w masked; their product; the product masked; its square
        assertEquals(5, p.entries().size());
        assertTrue(p.entries().get(2).describe().contains("matmul") && p.entries().get(2).describe().endsWith(">>20"),
                p.entries().get(2).describe());
        assertTrue(p.entries().get(4).describe().contains("power 3^2"), p.entries().get(4).describe());
    }

    @Test
    void revealToGivesTheOtherPartyNothing() {
        LocalComputation.Result<double[]> r = Session.runLocal(s ->
                s.revealTo(Role.P0, s.sum(s.input(Role.P1, new double[]{1.5, 2.5}, Shape.of(2)))));
        assertEquals(4.0, r.p0()[0], 1e-5);
        org.junit.jupiter.api.Assertions.assertNull(r.p1());
    }
}
