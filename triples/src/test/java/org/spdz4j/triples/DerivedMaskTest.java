package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.testing.RingTestSupport;
import org.spdz4j.core.transport.Role;

/**
 * A mask derived from earlier ones opens the tensor derived the same way without sending
 * anything, serves the dealer's products exactly, and serves no other tensor.
 */
class DerivedMaskTest {
    private static final Shape S = Shape.of(2, 3);

    /** w, a (opened), d = (a, w - a) interleaved by rows, and the product d^T d. */
    private record Setup(Plan plan, PlanEntry.Mask mw, PlanEntry.Mask ma, PlanEntry.Mask md, PlanEntry.Product dd) {
        static Setup make() {
            Plan.Builder b = Plan.builder("derived");
            PlanEntry.Mask mw = b.mask(S);
            PlanEntry.Mask ma = b.mask(S);
            int[] plus = new int[12];
            int[] minus = new int[12];
            for (int i = 0; i < 6; i++) { // d = [a; w - a] as a 4 x 3
                plus[i] = 6 + i;
                minus[i] = -1;
                plus[6 + i] = i;
                minus[6 + i] = 6 + i;
            }
            PlanEntry.Mask md = b.derive(Shape.of(4, 3), List.of(mw, ma), plus, minus);
            PlanEntry.Product dd = b.product(BilinearOps.matmul(true, false), md, md);
            return new Setup(b.build(), mw, ma, md, dd);
        }
    }

    @Test
    void aDerivedTensorIsOpenedForFreeAndItsProductIsExact() {
        Setup s = Setup.make();
        AesCtrPrg values = RingTestSupport.prg(3);
        Ring128Tensor w = values.tensor(S, 0, 0);
        Ring128Tensor a = values.tensor(S, 1, 0);
        Ring128Tensor d = Ring128Tensor.concat(List.of(a, w.sub(a))).reshape(Shape.of(4, 3));
        LocalComputation.Result<Ring128Tensor[]> r = LocalComputation.run(s.plan(), 1, AesCtrPrg.freshSeed(),
                FixedPoint.DEFAULT, (party, randomness) -> {
                    party.beginStep(0, randomness.forStep(0));
                    boolean p0 = Role.P0.equals(party.role());
                    Ring128Tensor ws = party.shareInput(Role.P0, p0 ? w : null, S, 0);
                    Ring128Tensor as = party.shareInput(Role.P0, p0 ? a : null, S, 1);
                    List<MaskedTensor> opened = party.maskAll(List.of(ws, as), List.of(s.mw(), s.ma()));
                    long before = party.transport().traffic().total(party.role().peer(),
                            org.spdz4j.core.transport.TrafficCounter.Direction.SENT).values();
                    MaskedTensor dm = party.derive(s.md(), opened);
                    long after = party.transport().traffic().total(party.role().peer(),
                            org.spdz4j.core.transport.TrafficCounter.Direction.SENT).values();
                    assertEquals(before, after, "deriving sends nothing");
                    assertEquals(dm, party.mask(dm.share(), s.md()), "masking the derived tensor again returns it");
                    return new Ring128Tensor[]{party.open(dm.share()), party.open(party.multiply(s.dd(), dm, dm))};
                });
        BigInteger[] dv = RingTestSupport.bigs(d);
        assertArrayEquals(dv, RingTestSupport.bigs(r.p0()[0]));
        BigInteger[] expected = new BigInteger[9]; // d^T d, 3 x 3, mod 2^128
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                BigInteger sum = BigInteger.ZERO;
                for (int k = 0; k < 4; k++) {
                    sum = sum.add(dv[k * 3 + i].multiply(dv[k * 3 + j]));
                }
                expected[i * 3 + j] = sum.mod(RingTestSupport.MODULUS);
            }
        }
        assertArrayEquals(expected, RingTestSupport.bigs(r.p0()[1]));
    }

    private interface Body {
        Object run(org.spdz4j.core.mpc.ComputeParty party, List<MaskedTensor> opened);
    }

    /** The message both parties fail with when {@code body} runs after w and a are opened. */
    private static String refused(Setup s, Body body) {
        return assertThrows(RuntimeException.class, () -> LocalComputation.run(s.plan(), 1, AesCtrPrg.freshSeed(),
                FixedPoint.DEFAULT, (party, randomness) -> {
                    party.beginStep(0, randomness.forStep(0));
                    return body.run(party, party.maskAll(List.of(Ring128Tensor.zeros(S), Ring128Tensor.zeros(S)),
                            List.of(s.mw(), s.ma())));
                })).getMessage();
    }

    @Test
    void aDerivedMaskServesOnlyTheTensorDerivedWithIt() {
        Setup s = Setup.make();
        String other = refused(s, (party, opened) -> party.mask(party.derive(s.md(), opened).share()
                .add(Ring128Tensor.filled(Shape.of(4, 3), 1)), s.md()));
        assertTrue(other.contains("mask entry 2 serves only the tensor derived with it"), other);
        String early = refused(s, (party, opened) -> party.mask(Ring128Tensor.zeros(Shape.of(4, 3)), s.md()));
        assertTrue(early.contains("mask entry 2 is derived") && early.contains("derive the tensor"), early);
        String swapped = refused(s, (party, opened) -> party.derive(s.md(), List.of(opened.get(1), opened.get(0))));
        assertTrue(swapped.contains("is derived from mask entry 0 but was given a tensor masked with entry 1"), swapped);
        String twice = refused(s, (party, opened) -> {
            party.derive(s.md(), opened);
            return party.derive(s.md(), opened);
        });
        assertTrue(twice.contains("mask entry 2 was already used in step 0"), twice);
        IllegalArgumentException outside = assertThrows(IllegalArgumentException.class, () -> Plan.builder("bad")
                .derive(Shape.of(1), List.of(Plan.builder("x").mask(S)), new int[]{6}, null));
        assertTrue(outside.getMessage().contains("is not an entry declared in this plan"), outside.getMessage());
        Plan.Builder b = Plan.builder("range");
        PlanEntry.Mask m = b.mask(S);
        IllegalArgumentException past = assertThrows(IllegalArgumentException.class,
                () -> b.derive(Shape.of(1), List.of(m), new int[]{6}, null));
        assertTrue(past.getMessage().contains("element 0 takes elements 6 and -1 of parents holding 6"), past.getMessage());
    }
}
