package org.spdz4j.federated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.triples.LocalComputation;

/** The norm bound on shares against the plaintext verdict, right at the bound and far from it. */
class NormBoundTest {
    private static final FixedPoint FP = FixedPoint.DEFAULT;

    /** Each row {@code (n * u, n)} with {@code u} of norm {@code norms[r]}, checked against {@code bound} on shares. */
    private static boolean[] check(double[] norms, double bound) {
        int values = 1001;
        NormBound nb = NormBound.of(norms.length, values);
        double[] all = new double[norms.length * values];
        for (int r = 0; r < norms.length; r++) {
            double n = 37 + 100 * r; // examples of client r
            double each = norms[r] / Math.sqrt(values - 1); // |u_i|, signs alternating
            for (int i = 0; i < values - 1; i++) {
                all[r * values + i] = n * (i % 2 == 0 ? each : -each);
            }
            all[r * values + values - 1] = n;
        }
        Shape shape = Shape.of(norms.length, values);
        LocalComputation.Result<boolean[]> res = LocalComputation.run(nb.plan(), 1, AesCtrPrg.freshSeed(), FP, (party, randomness) -> {
            party.beginStep(0, randomness.forStep(0));
            Ring128Tensor x = party.shareInput(Role.P0, party.role().equals(Role.P0) ? FP.encode(shape, all) : null, shape, 0);
            List<Ring128Tensor> rows = new ArrayList<>();
            for (int r = 0; r < norms.length; r++) {
                rows.add(x.slice(r * values, Shape.of(values)));
            }
            return nb.check(party, rows, bound);
        });
        assertArrayEquals(res.p0(), res.p1(), "both aggregators see the same verdict");
        return res.p0();
    }

    @Test
    void aClientPassesExactlyWhenItsUpdateIsWithinTheBound() {
        double[] norms = {0.5, 9.99, 10.01, 1000, 0, 3};
        assertArrayEquals(new boolean[]{true, true, false, false, true, true}, check(norms, 10.0));
        assertArrayEquals(new boolean[]{true, false, false, false, true, true}, check(norms, 3.001));
        assertArrayEquals(new boolean[]{true, false, false, false, true, false}, check(norms, 2.999));
    }

    @Test
    void aBoundOutsideItsRangeIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> check(new double[]{1}, 0));
        assertThrows(IllegalArgumentException.class, () -> check(new double[]{1}, 1e7));
    }

    /**
     * With the clip on shares each element of {@code n u} comes back clipped to
     * {@code [-clip n, clip n]}, exactly up to the truncation of {@code clip n} (one unit), and
     * the count is untouched; nothing else changes in the verdict.
     */
    @Test
    void clippedOnSharesEveryElementLiesWithinTheClipTimesTheCount() {
        int clients = 3;
        int values = 401;
        double clip = 0.5;
        NormBound nb = NormBound.of(clients, values, true);
        double[] all = new double[clients * values];
        double[] spread = new double[values - 1];
        for (int i = 0; i < values - 1; i++) {
            spread[i] = (i - 200) / 100.0; // -2 .. 2: four times the clip either way, and inside it
        }
        for (int r = 0; r < clients; r++) {
            double n = 10 + 90 * r;
            for (int i = 0; i < values - 1; i++) {
                all[r * values + i] = n * spread[i];
            }
            all[r * values + values - 1] = n;
        }
        Shape shape = Shape.of(clients, values);
        LocalComputation.Result<double[]> res = LocalComputation.run(nb.plan(), 1, AesCtrPrg.freshSeed(), FP, (party, randomness) -> {
            party.beginStep(0, randomness.forStep(0));
            Ring128Tensor x = party.shareInput(Role.P0, party.role().equals(Role.P0) ? FP.encode(shape, all) : null, shape, 0);
            List<Ring128Tensor> rows = new ArrayList<>();
            for (int r = 0; r < clients; r++) {
                rows.add(x.slice(r * values, Shape.of(values)));
            }
            NormBound.Verdict v = nb.check(party, rows, 1000, 1000, clip);
            assertArrayEquals(new boolean[]{true, true, true}, v.pass());
            return FP.decode(party.open(Ring128Tensor.concat(v.rows())));
        });
        for (int r = 0; r < clients; r++) {
            double n = 10 + 90 * r;
            for (int i = 0; i < values - 1; i++) {
                double expected = Math.max(-clip * n, Math.min(clip * n, n * spread[i]));
                assertEquals(expected, res.p0()[r * values + i], 3 * FP.ulp(), "client " + r + " element " + i);
            }
            assertEquals(n, res.p0()[r * values + values - 1], 0, "the count is untouched");
        }
    }
}
