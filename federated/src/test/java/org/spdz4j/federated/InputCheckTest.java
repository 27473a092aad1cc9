package org.spdz4j.federated;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.triples.LocalComputation;
import org.spdz4j.triples.Plan;

/**
 * The check on shares against the plaintext verdict: the norm right at the bound and far from it,
 * the clip, in one slice of the update and in several (the check's steps).
 */
class InputCheckTest {
    private static final FixedPoint FP = FixedPoint.DEFAULT;

    /** Each row {@code (n * u, n)} with {@code u} of norm {@code norms[r]}, checked against {@code bound} on shares. */
    private static boolean[] check(double[] norms, double bound) {
        return check(norms, bound, InputCheck.ELEMENTS_PER_STEP);
    }

    /** As {@link #check(double[], double)}, about {@code elementsPerStep} update elements a step. */
    private static boolean[] check(double[] norms, double bound, int elementsPerStep) {
        int values = 1001;
        InputCheck nb = InputCheck.of(norms.length, values, true, false, elementsPerStep);
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
        LocalComputation.Result<boolean[]> res = LocalComputation.run(nb.plan(), nb.stepsPerRound(), AesCtrPrg.freshSeed(), FP,
                (party, randomness) -> {
            party.beginStep(0, randomness.forStep(0));
            Ring128Tensor x = party.shareInput(Role.P0, party.role().equals(Role.P0) ? FP.encode(shape, all) : null, shape, 0);
            List<Ring128Tensor> rows = new ArrayList<>();
            for (int r = 0; r < norms.length; r++) {
                rows.add(x.slice(r * values, Shape.of(values)));
            }
            return nb.check(party, randomness::forStep, rows, bound);
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

    /** Checked in slices of 240 elements (5 steps, the last one padded), the verdicts are the same. */
    @Test
    void inSlicesTheVerdictsAreTheSame() {
        double[] norms = {0.5, 9.99, 10.01, 1000, 0, 3};
        assertEquals(5, InputCheck.of(norms.length, 1001, true, false, 6 * 240).stepsPerRound());
        assertArrayEquals(new boolean[]{true, true, false, false, true, true}, check(norms, 10.0, 6 * 240));
        assertArrayEquals(new boolean[]{true, false, false, false, true, false}, check(norms, 2.999, 6 * 240));
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
        clippedOnShares(InputCheck.ELEMENTS_PER_STEP);
    }

    /** The same in slices of 150 elements (3 steps, the last one padded): each row comes back whole and in order. */
    @Test
    void clippedOnSharesInSlices() {
        assertEquals(3, InputCheck.of(3, 401, true, true, 3 * 150).stepsPerRound());
        clippedOnShares(3 * 150);
    }

    private static void clippedOnShares(int elementsPerStep) {
        int clients = 3;
        int values = 401;
        double clip = 0.5;
        InputCheck nb = InputCheck.of(clients, values, true, true, elementsPerStep);
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
        LocalComputation.Result<double[]> res = LocalComputation.run(nb.plan(), nb.stepsPerRound(), AesCtrPrg.freshSeed(), FP,
                (party, randomness) -> {
            party.beginStep(0, randomness.forStep(0));
            Ring128Tensor x = party.shareInput(Role.P0, party.role().equals(Role.P0) ? FP.encode(shape, all) : null, shape, 0);
            List<Ring128Tensor> rows = new ArrayList<>();
            for (int r = 0; r < clients; r++) {
                rows.add(x.slice(r * values, Shape.of(values)));
            }
            InputCheck.Verdict v = nb.check(party, randomness::forStep, 0, rows, 1000, 1000, clip);
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

    /**
     * Without a norm bound, in slices of 100 elements: each client's failed range checks are
     * counted exactly wherever they lie (a shift by 2^126, by 2^127, one just past 2^62 and
     * one just inside), and a count of 0, a negative one and one above the most are refused.
     */
    @Test
    void elementsBeyondTheHeadroomAndCountsOutOfRangeAreSeenInEverySlice() {
        int clients = 4;
        int values = 301;
        InputCheck nb = InputCheck.of(clients, values, false, false, clients * 100);
        assertEquals(3, nb.stepsPerRound());
        long[] counts = {5, 0, -3, 1001};
        AtomicLong checkRounds = new AtomicLong();
        LocalComputation.Result<InputCheck.Verdict> res = LocalComputation.run(nb.plan(), nb.stepsPerRound(), AesCtrPrg.freshSeed(),
                FP, (party, randomness) -> {
            party.beginStep(0, randomness.forStep(0));
            List<Ring128Tensor> rows = new ArrayList<>();
            for (int r = 0; r < clients; r++) {
                long[] hi = new long[values];
                long[] lo = new long[values];
                lo[values - 1] = FP.encode(counts[r]);
                hi[values - 1] = counts[r] < 0 ? -1 : 0;
                if (r == 0) {
                    hi[3] = 1L << 62;              // 2^126: beyond
                    hi[150] = Long.MIN_VALUE;      // 2^127: beyond
                    lo[299] = 1L << 62;            // 2^62: just beyond
                    lo[200] = (1L << 62) - 1;      // just inside
                    lo[201] = -(1L << 62);         // -2^62: inside
                    hi[201] = -1;
                }
                Ring128Tensor row = Ring128Tensor.wrap(Shape.of(values), hi, lo);
                rows.add(party.role().equals(Role.P0) ? row : Ring128Tensor.zeros(Shape.of(values)));
            }
            long before = party.transport().traffic().rounds();
            InputCheck.Verdict verdict = nb.check(party, randomness::forStep, 0, rows, 0, 1000, 0);
            if (party.role().equals(Role.P0)) {
                checkRounds.set(party.transport().traffic().rounds() - before);
            }
            return verdict;
        });
        // each slice: its opening and one comparison (the pair of range checks in one); then the counts' the same; the verdicts
        assertEquals(4 * (1 + comparisonRounds()) + 1, checkRounds.get());
        InputCheck.Verdict v = res.p0();
        // -2^127, the ring's most negative value, fails both of its checks (x - 2^62 wraps to a positive value)
        assertArrayEquals(new long[]{4, 0, 0, 0}, v.elementsOutside());
        assertArrayEquals(new boolean[]{true, false, false, false}, v.countOk());
        assertArrayEquals(new boolean[]{true, true, true, true}, v.normOk(), "no norm bound: every norm passes");
        assertArrayEquals(v.elementsOutside(), res.p1().elementsOutside(), "both aggregators see the same verdict");
        assertArrayEquals(v.countOk(), res.p1().countOk());
    }

    /** The rounds of one 128-bit comparison of an opened tensor. */
    private static long comparisonRounds() {
        Plan.Builder b = Plan.builder("one comparison");
        PlanEntry.Mask m = b.mask(Shape.of(8));
        PlanEntry.Sign sign = b.sign(m, InputCheck.COUNT_BITS);
        return LocalComputation.run(b.build(), 1, AesCtrPrg.freshSeed(), FP, (party, randomness) -> {
            party.beginStep(0, randomness.forStep(0));
            MaskedTensor x = party.mask(Ring128Tensor.zeros(Shape.of(8)), m);
            long before = party.transport().traffic().rounds();
            party.compare(sign, x);
            return party.transport().traffic().rounds() - before;
        }).p0();
    }
}
