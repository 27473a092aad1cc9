package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.Conv2dOps;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Mismatch;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter.Direction;

class DealerTest {

    private static Plan plan(int products) {
        return plan(products, "dealer " + products);
    }

    private static Plan plan(int products, String name) {
        Plan.Builder b = Plan.builder(name);
        PlanEntry.Mask x = b.mask(Shape.of(8, 12));
        PlanEntry.Mask w = b.mask(Shape.of(12, 5));
        for (int i = 0; i < products; i++) {
            b.product(BilinearOps.matmul(false, false), x, w);
        }
        b.power(x, 2);
        return b.build();
    }

    /**
     * Each party gets a 56-byte seed and the corrections of the entries the plan names for it:
     * together one correction per product and power, each entry's to exactly one party, and the
     * two links' shares within the largest entry of each other.
     */
    @Test
    void eachPartyGetsASeedAndTheCorrectionsThePlanNamesForIt() {
        int steps = 3;
        for (int products : new int[]{1, 10}) {
            Plan plan = plan(products);
            LocalComputation.Result<Integer> r = LocalComputation.run(plan, steps, AesCtrPrg.freshSeed(),
                    FixedPoint.DEFAULT, (party, randomness) -> {
                        for (int s = 0; s < steps; s++) {
                            party.beginStep(s, randomness.forStep(s));
                            for (var e : plan.entries()) {
                                randomness.forStep(s).share(e);
                            }
                        }
                        return 0;
                    });
            long expected = steps * 16L * (products * 8 * 5 + 8 * 12);
            long toP0 = r.dealerTraffic().total(Dealer.CORRECTION_SCOPE, Role.P0, Direction.SENT).bytes();
            long toP1 = r.dealerTraffic().total(Dealer.CORRECTION_SCOPE, Role.P1, Direction.SENT).bytes();
            assertEquals(expected, toP0 + toP1);
            assertEquals(expected, steps * 16L * plan.correctionValues());
            assertEquals(steps * 16L * plan.correctionValues(Role.P0), toP0);
            assertEquals(steps * 16L * plan.correctionValues(Role.P1), toP1);
            assertTrue(Math.abs(plan.correctionValues(Role.P0) - plan.correctionValues(Role.P1)) <= 8 * 12,
                    plan.correctionValues(Role.P0) + " values to P0, " + plan.correctionValues(Role.P1) + " to P1");
            long p1Entries = plan.entries().stream().filter(e -> !(e instanceof PlanEntry.Mask))
                    .filter(e -> plan.correctedParty(e).equals(Role.P1)).count();
            assertTrue(p1Entries > 0 && p1Entries < products + 1, "each party corrects some of the " + (products + 1)
                    + " entries; P1 " + p1Entries);
            assertEquals(56, r.dealerTraffic().total(Dealer.SETUP_SCOPE, Role.P0, Direction.SENT).bytes(),
                    "seed, plan hash and step range");
            assertEquals(56, r.dealerTraffic().total(Dealer.SETUP_SCOPE, Role.P1, Direction.SENT).bytes());
            assertEquals(2L * RangeRequest.BYTES, r.dealerTraffic().total(Direction.RECEIVED).bytes(),
                    "the dealer receives the parties' step-range requests, never a share or an opened value");
        }
    }

    @Test
    void aMaskHasNoCorrectedParty() {
        Plan plan = plan(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> plan.correctedParty(plan.entries().get(0)));
        assertTrue(e.getMessage().contains("is a mask"), e.getMessage());
    }

    @Test
    void planHashMismatchBetweenPartiesFailsNamingBothHashes() {
        Plan a = plan(1);
        Plan b = plan(2);
        Mismatch e = assertThrows(Mismatch.class, () -> LocalComputation.run(a, a, b, 0, 1,
                AesCtrPrg.freshSeed(), AesCtrPrg.freshSeed(), FixedPoint.DEFAULT, (party, randomness) -> 0));
        String hexA = java.util.HexFormat.of().formatHex(a.hash());
        String hexB = java.util.HexFormat.of().formatHex(b.hash());
        assertTrue(e.getMessage().contains("plan hash mismatch") && e.getMessage().contains(hexA)
                && e.getMessage().contains(hexB), e.getMessage());
        // and the first entry that differs, on both sides: the name, here; then, with one name, entry 3
        assertTrue(e.getMessage().contains("the plan's name is 'dealer 1' at P0 but 'dealer 2' at P1")
                || e.getMessage().contains("the plan's name is 'dealer 2' at P1 but 'dealer 1' at P0"), e.getMessage());
        Plan c = plan(2, "same name");
        Plan d = plan(1, "same name");
        ProtocolException entry = assertThrows(ProtocolException.class, () -> LocalComputation.run(c, c, d, 0, 1,
                AesCtrPrg.freshSeed(), AesCtrPrg.freshSeed(), FixedPoint.DEFAULT, (party, randomness) -> 0));
        String m = entry.getMessage();
        assertTrue(m.contains("plan entry 3 is '3 product matmul") && m.contains("' at P0 but '3 power 0^2")
                || m.contains("plan entry 3 is '3 power 0^2") && m.contains("' at P1 but '3 product matmul"), m);
    }

    @Test
    void dealerWithAnotherPlanIsRefused() {
        Plan a = plan(1);
        Plan b = plan(2);
        ProtocolException e = assertThrows(ProtocolException.class, () -> LocalComputation.run(a, b, b, 0, 1,
                AesCtrPrg.freshSeed(), AesCtrPrg.freshSeed(), FixedPoint.DEFAULT, (party, randomness) -> 0));
        assertTrue(e.getMessage().contains("but the dealer has"), e.getMessage());
        assertTrue(e.getMessage().contains("the plan's name is 'dealer 2' at P0 but 'dealer 1' at the dealer")
                || e.getMessage().contains("P0 names the first entry that differs"), e.getMessage());
    }

    @Test
    void shapeMismatchFailsWhenTheProductIsDeclared() {
        Plan.Builder b = Plan.builder("bad");
        PlanEntry.Mask w = b.mask(Shape.of(8, 2, 3, 3));
        PlanEntry.Mask x = b.mask(Shape.of(4, 1, 28, 28));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> b.product(Conv2dOps.forward(3, 1, 1, 2), w, x));
        assertTrue(e.getMessage().contains("entry 2") && e.getMessage().contains("conv2d_forward"), e.getMessage());
        PlanEntry.Mask foreign = Plan.builder("other").mask(Shape.of(8, 2, 3, 3));
        IllegalArgumentException notDeclared = assertThrows(IllegalArgumentException.class,
                () -> b.product(BilinearOps.elementwise(), w, new PlanEntry.Mask(5, w.shape())));
        assertTrue(notDeclared.getMessage().contains("is not an entry declared in this plan"), notDeclared.getMessage());
        assertThrows(IllegalArgumentException.class, () -> b.power(new PlanEntry.Mask(1, Shape.of(3)), 2));
        assertEquals(w, b.maskAgain(foreign, true), "a handle equal to a declared one is that one");
    }

    @Test
    void samePlanSameHashAndOrderMatters() {
        assertEquals(java.util.HexFormat.of().formatHex(plan(3).hash()), java.util.HexFormat.of().formatHex(plan(3).hash()));
        Plan.Builder b1 = Plan.builder("o");
        b1.mask(Shape.of(2));
        b1.mask(Shape.of(3));
        Plan.Builder b2 = Plan.builder("o");
        b2.mask(Shape.of(3));
        b2.mask(Shape.of(2));
        assertTrue(!java.util.Arrays.equals(b1.build().hash(), b2.build().hash()));
    }
}
