package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.testing.RingTestSupport;
import org.spdz4j.core.transport.Role;

/**
 * Lanes that take turns at every message ({@code ComputeParty.inLanes}) compute exactly what the
 * same programs compute one after another, in a third of the rounds; a lane's failure ends the
 * run with that failure, at once.
 */
class LanesTest {
    private static final int LANES = 3;
    private static final Shape SHAPE = Shape.of(40);
    private static final BigInteger RING = BigInteger.ONE.shiftLeft(128);

    /** One lane's plan entries: x and y masked, their product (exact and truncated by 20 bits), x's sign. */
    private record Entries(PlanEntry.Mask x, PlanEntry.Mask y, PlanEntry.Product exact, PlanEntry.Mask x2,
                           PlanEntry.Mask y2, PlanEntry.Product truncated, PlanEntry.Sign sign) {
    }

    private static List<Entries> declare(Plan.Builder b) {
        List<Entries> out = new ArrayList<>();
        for (int k = 0; k < LANES; k++) {
            PlanEntry.Mask x = b.mask(SHAPE);
            PlanEntry.Mask y = b.mask(SHAPE);
            PlanEntry.Mask x2 = b.mask(SHAPE);
            PlanEntry.Mask y2 = b.mask(SHAPE);
            out.add(new Entries(x, y, b.product(BilinearOps.elementwise(), x, y), x2, y2,
                    b.product(BilinearOps.elementwise(), x2, y2, 20), b.sign(x, 40)));
        }
        return out;
    }

    private static Ring128Tensor small(int stream) {
        // values of at most 2^38 in magnitude: in the comparison's range, their products far from overflow
        Ring128Tensor r = RingTestSupport.randomWithEdges(RingTestSupport.prg(5), SHAPE, stream);
        long[] hi = new long[SHAPE.size()];
        long[] lo = new long[SHAPE.size()];
        for (int i = 0; i < lo.length; i++) {
            lo[i] = r.lo(i) >> 25;
            hi[i] = lo[i] < 0 ? -1 : 0;
        }
        return Ring128Tensor.wrap(SHAPE, hi, lo);
    }

    /**
     * Lane k's program: x (P0's) and y (P1's) shared, masked and multiplied exactly, multiplied
     * again with a truncation (whose last bit depends on the shares), x compared with zero, and
     * everything opened; the ReLU also revealed to P0 alone (a one-way message).
     */
    private static Supplier<Ring128Tensor[]> lane(ComputeParty party, Entries e, int k) {
        return () -> {
            Ring128Tensor xs = party.shareInput(Role.P0, party.role().equals(Role.P0) ? small(2 * k) : null, SHAPE, 2 * k);
            Ring128Tensor ys = party.shareInput(Role.P1, party.role().equals(Role.P1) ? small(2 * k + 1) : null, SHAPE, 2 * k + 1);
            List<MaskedTensor> xy = party.maskAll(List.of(xs, ys), List.of(e.x(), e.y()));
            Ring128Tensor exact = party.multiply(e.exact(), xy.get(0), xy.get(1));
            List<MaskedTensor> xy2 = party.maskAll(List.of(xs, ys), List.of(e.x2(), e.y2()));
            Ring128Tensor truncated = party.multiply(e.truncated(), xy2.get(0), xy2.get(1));
            Ring128Tensor relu = party.compare(e.sign(), xy.get(0)).relu();
            Ring128Tensor toP0 = party.revealTo(Role.P0, relu);
            List<Ring128Tensor> opened = party.openAll(List.of(exact, truncated, relu));
            return new Ring128Tensor[]{opened.get(0), opened.get(1), opened.get(2), toP0};
        };
    }

    private static LocalComputation.Result<List<Ring128Tensor[]>> run(boolean inTurns, byte[] dealerSeed, byte[] inputSeed) {
        Plan.Builder b = Plan.builder("lanes test");
        List<Entries> entries = declare(b);
        Plan plan = b.build();
        return LocalComputation.run(plan, 0, 1, dealerSeed, inputSeed, FixedPoint.DEFAULT, (party, randomness) -> {
            party.beginStep(0, randomness.forStep(0));
            List<Supplier<Ring128Tensor[]>> lanes = new ArrayList<>();
            for (int k = 0; k < LANES; k++) {
                lanes.add(lane(party, entries.get(k), k));
            }
            if (inTurns) {
                return party.inLanes(lanes);
            }
            List<Ring128Tensor[]> out = new ArrayList<>();
            for (Supplier<Ring128Tensor[]> lane : lanes) {
                out.add(lane.get());
            }
            return out;
        });
    }

    private static BigInteger signed(Ring128Tensor t, int i) {
        BigInteger v = new BigInteger(Long.toUnsignedString(t.hi(i))).shiftLeft(64)
                .add(new BigInteger(Long.toUnsignedString(t.lo(i))));
        return v.testBit(127) ? v.subtract(RING) : v;
    }

    @Test
    void lanesInTurnsComputeWhatTheyComputeOneAfterAnotherInFewerRounds() {
        byte[] dealerSeed = AesCtrPrg.freshSeed();
        byte[] inputSeed = AesCtrPrg.freshSeed();
        LocalComputation.Result<List<Ring128Tensor[]>> turns = run(true, dealerSeed, inputSeed);
        LocalComputation.Result<List<Ring128Tensor[]>> sequential = run(false, dealerSeed, inputSeed);
        for (int k = 0; k < LANES; k++) {
            Ring128Tensor[] t = turns.p0().get(k);
            Ring128Tensor[] s = sequential.p0().get(k);
            for (int j = 0; j < t.length; j++) {
                assertEquals(s[j], t[j], "lane " + k + " result " + j + " differs from the same program run alone");
                if (j < 3) {
                    assertEquals(t[j], turns.p1().get(k)[j], "both parties open the same");
                }
            }
            Ring128Tensor x = small(2 * k);
            Ring128Tensor y = small(2 * k + 1);
            for (int i = 0; i < SHAPE.size(); i++) {
                BigInteger product = signed(x, i).multiply(signed(y, i));
                assertEquals(product, signed(t[0], i), "exact product, lane " + k + " element " + i);
                BigInteger floor = product.shiftRight(20);
                BigInteger truncated = signed(t[1], i);
                assertEquals(true, truncated.equals(floor) || truncated.equals(floor.add(BigInteger.ONE)),
                        "truncated product " + truncated + " is not floor(" + product + " / 2^20) or one more");
                BigInteger relu = signed(x, i).max(BigInteger.ZERO);
                assertEquals(relu, signed(t[2], i), "relu, lane " + k + " element " + i);
                assertEquals(relu, signed(t[3], i), "relu revealed to P0, lane " + k + " element " + i);
            }
            assertEquals(null, turns.p1().get(k)[3], "P1 learns nothing from the reveal to P0");
        }
        long one = sequential.p0Traffic().rounds() / LANES;
        assertEquals(LANES * one, sequential.p0Traffic().rounds());
        assertEquals(one, turns.p0Traffic().rounds(), "rounds counted once for all lanes");
        assertEquals(sequential.p0Traffic().total(org.spdz4j.core.transport.TrafficCounter.Direction.SENT),
                turns.p0Traffic().total(org.spdz4j.core.transport.TrafficCounter.Direction.SENT), "the same messages");
    }

    @Test
    void aLaneThatFailsEndsTheRunWithItsFailure() {
        Plan.Builder b = Plan.builder("lanes test");
        List<Entries> entries = declare(b);
        Plan plan = b.build();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> LocalComputation.run(plan, 1,
                AesCtrPrg.freshSeed(), FixedPoint.DEFAULT, (party, randomness) -> {
                    party.beginStep(0, randomness.forStep(0));
                    return party.inLanes(List.<Supplier<Ring128Tensor[]>>of(lane(party, entries.get(0), 0), () -> {
                        party.open(Ring128Tensor.zeros(SHAPE)); // one round in step with lane 0, then a failure
                        throw new IllegalStateException("lane 1 refuses at " + party.role());
                    }));
                }));
        assertEquals(true, e.getMessage().startsWith("lane 1 refuses at "), e.getMessage());
    }
}
