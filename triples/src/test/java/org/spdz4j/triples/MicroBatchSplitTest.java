package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.MicroBatch;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.testing.RingTestSupport;
import org.spdz4j.core.transport.Role;

/**
 * Micro-batches that use the whole batch's plan ({@link MicroBatch}) compute the whole batch's
 * program bit for bit: a product of rows by shared weights (truncated), a product summed over the
 * rows (truncated once), a comparison of 10-element rows (not whole words of bits), with relu and
 * for the sign alone; and a
 * micro-batch that masks another tensor with a mask they share is refused.
 */
class MicroBatchSplitTest {
    private static final int ROWS = 6;
    private static final int SPLIT = 3;

    /** Entries of a batch of {@code rows}: X (rows, 5), W (4, 5) and D (rows, 4) masked; X W^T, D^T X, X's sign twice. */
    private record Entries(PlanEntry.Mask x, PlanEntry.Mask w, PlanEntry.Product forward, PlanEntry.Mask d,
                           PlanEntry.Product gradient, PlanEntry.Sign sign, PlanEntry.Sign signOnly, Plan plan) {
        static Entries declare(int rows) {
            Plan.Builder b = Plan.builder("micro-batch test");
            PlanEntry.Mask x = b.mask(Shape.of(rows, 5));
            PlanEntry.Mask w = b.mask(Shape.of(4, 5));
            PlanEntry.Product forward = b.product(BilinearOps.matmul(false, true), x, w, 20);
            PlanEntry.Mask d = b.mask(Shape.of(rows, 4));
            PlanEntry.Product gradient = b.product(BilinearOps.matmul(true, false), d, x, 20);
            PlanEntry.Sign sign = b.sign(x, 40);
            PlanEntry.Sign signOnly = b.signOnly(x, 40);
            return new Entries(x, w, forward, d, gradient, sign, signOnly, b.build());
        }
    }

    private static Ring128Tensor small(Shape shape, int stream) {
        Ring128Tensor r = RingTestSupport.randomWithEdges(RingTestSupport.prg(7), shape, stream);
        long[] hi = new long[shape.size()];
        long[] lo = new long[shape.size()];
        for (int i = 0; i < lo.length; i++) {
            lo[i] = r.lo(i) >> 27; // at most 2^36: in the comparison's range, products far from overflow
            hi[i] = lo[i] < 0 ? -1 : 0;
        }
        return Ring128Tensor.wrap(shape, hi, lo);
    }

    /** The program on rows of X and D (shares), with W: {X W^T, D^T X, relu(X), [X >= 0]} opened, and X masked. */
    private record Outcome(Ring128Tensor[] opened, MaskedTensor x) {
    }

    private static Outcome program(ComputeParty party, Entries e, Ring128Tensor x, Ring128Tensor w, Ring128Tensor d) {
        List<MaskedTensor> xw = party.maskAll(List.of(x, w), List.of(e.x(), e.w()));
        Ring128Tensor y = party.multiply(e.forward(), xw.get(0), xw.get(1));
        Ring128Tensor g = party.multiply(e.gradient(), party.mask(d, e.d()), xw.get(0));
        Ring128Tensor relu = party.compare(e.sign(), xw.get(0)).relu();
        Ring128Tensor nonNegative = party.compare(e.signOnly(), xw.get(0)).nonNegative();
        return new Outcome(party.openAll(List.of(y, g, relu, nonNegative)).toArray(Ring128Tensor[]::new), xw.get(0));
    }

    /**
     * Runs the whole batch's program, or its micro-batches in lanes, {@code tamper} changing
     * micro-batch 1's W; a split run ends with the micro-batches' X joined (last).
     */
    private static LocalComputation.Result<List<Outcome>> run(boolean split, boolean tamper, byte[] dealerSeed,
                                                              byte[] inputSeed) {
        Entries whole = Entries.declare(ROWS);
        Entries part = Entries.declare(ROWS / SPLIT);
        return LocalComputation.run(whole.plan(), 0, 1, dealerSeed, inputSeed, FixedPoint.DEFAULT, (party, randomness) -> {
            party.beginStep(0, randomness.forStep(0));
            boolean p0 = party.role().equals(Role.P0);
            Ring128Tensor x = party.shareInput(Role.P0, p0 ? small(Shape.of(ROWS, 5), 0) : null, Shape.of(ROWS, 5), 0);
            Ring128Tensor w = party.shareInput(Role.P1, p0 ? null : small(Shape.of(4, 5), 1), Shape.of(4, 5), 1);
            Ring128Tensor d = party.shareInput(Role.P0, p0 ? small(Shape.of(ROWS, 4), 2) : null, Shape.of(ROWS, 4), 2);
            if (!split) {
                return List.of(program(party, whole, x, w, d));
            }
            List<Supplier<Outcome>> lanes = new ArrayList<>();
            List<MicroBatch> parts = new ArrayList<>();
            for (int k = 0; k < SPLIT; k++) {
                Ring128Tensor xk = x.slice(k * 10, Shape.of(ROWS / SPLIT, 5));
                Ring128Tensor dk = d.slice(k * 8, Shape.of(ROWS / SPLIT, 4));
                Ring128Tensor wk = tamper && k == 1 ? w.add(Ring128Tensor.filled(w.shape(), 1)) : w;
                lanes.add(() -> program(party, part, xk, wk, dk));
                parts.add(MicroBatch.of(whole.plan().entries(), part.plan().entries(), k, SPLIT));
            }
            List<Outcome> out = new ArrayList<>(party.inLanes(lanes, parts));
            out.add(new Outcome(null, MicroBatch.join(parts, out.stream().map(Outcome::x).toList())));
            return out;
        });
    }

    @Test
    void microBatchesComputeTheWholeBatchsProgramBitForBit() {
        byte[] dealerSeed = AesCtrPrg.freshSeed();
        byte[] inputSeed = AesCtrPrg.freshSeed();
        LocalComputation.Result<List<Outcome>> wholeRun = run(false, false, dealerSeed, inputSeed);
        LocalComputation.Result<List<Outcome>> splitRun = run(true, false, dealerSeed, inputSeed);
        Ring128Tensor[] whole = wholeRun.p0().get(0).opened();
        List<Ring128Tensor[]> parts = splitRun.p0().subList(0, SPLIT).stream().map(Outcome::opened).toList();
        List<Ring128Tensor> y = new ArrayList<>();
        List<Ring128Tensor> relu = new ArrayList<>();
        List<Ring128Tensor> nonNegative = new ArrayList<>();
        Ring128Tensor g = Ring128Tensor.zeros(whole[1].shape());
        for (Ring128Tensor[] p : parts) {
            y.add(p[0]);
            g = g.add(p[1]);
            relu.add(p[2]);
            nonNegative.add(p[3]);
        }
        assertEquals(whole[0], Ring128Tensor.concat(y).reshape(whole[0].shape()), "X W^T, truncated: the rows' products");
        assertEquals(whole[1], g, "D^T X, truncated once: the micro-batches' parts add up to it");
        assertEquals(whole[2], Ring128Tensor.concat(relu).reshape(whole[2].shape()), "relu(X): the rows' comparisons");
        assertEquals(whole[3], Ring128Tensor.concat(nonNegative).reshape(whole[3].shape()), "[X >= 0], the sign alone");
        Ring128Tensor x = small(Shape.of(ROWS, 5), 0);
        for (int i = 0; i < x.size(); i++) {
            assertEquals(RingTestSupport.signed(x, i).max(BigInteger.ZERO), RingTestSupport.signed(whole[2], i),
                    "relu, element " + i);
            assertEquals(RingTestSupport.signed(x, i).signum() >= 0 ? BigInteger.ONE : BigInteger.ZERO,
                    RingTestSupport.signed(whole[3], i), "sign, element " + i);
        }
        assertEquals(Ring128Tensor.zeros(whole[1].shape()), parts.get(0)[1], "a summed product is whole in the last micro-batch only");
        for (LocalComputation.Result<List<Outcome>> r : List.of(wholeRun, splitRun)) { // joined: as the whole batch masked X
            MaskedTensor x0 = r.p0().get(r.p0().size() - 1).x();
            MaskedTensor x1 = r.p1().get(r.p1().size() - 1).x();
            assertEquals(Entries.declare(ROWS).x(), x0.mask(), "under the whole batch's mask");
            assertEquals(wholeRun.p0().get(0).x().opened(), x0.opened(), "the opening of the whole batch's X");
            assertEquals(x, x0.share().add(x1.share()), "shares of X");
            assertEquals(x, x0.opened().add(x0.maskShare()).add(x1.maskShare()), "X - A plus the shares of A");
        }
    }

    @Test
    void aMicroBatchMaskingOtherWeightsWithTheSharedMaskIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run(true, true, AesCtrPrg.freshSeed(), AesCtrPrg.freshSeed()));
        assertTrue(e.getMessage().contains("the micro-batches share") && e.getMessage().contains("micro-batch 1"),
                e.getMessage());
    }

    @Test
    void aProgramThatDeclaresOtherEntriesIsRefused() {
        Entries whole = Entries.declare(ROWS);
        Plan.Builder b = Plan.builder("other");
        b.mask(Shape.of(ROWS / SPLIT, 5));
        b.mask(Shape.of(4, 6)); // not the weights' shape
        b.mask(Shape.of(1));
        b.mask(Shape.of(1));
        b.mask(Shape.of(1));
        b.mask(Shape.of(1));
        List<PlanEntry> other = b.build().entries();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MicroBatch.of(whole.plan().entries(), other, 0, SPLIT));
        assertTrue(e.getMessage().contains("neither the whole batch's nor its rows"), e.getMessage());
    }
}
