package org.spdz4j.core.mpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.testing.RingTestSupport;

/** Narrow openings against BigInteger: the packed low bits of two shares open to the ring's X - A, to the bit. */
class NarrowOpeningTest {
    private static final BigInteger M = RingTestSupport.MODULUS;

    /** Ranges whose openings are 45, 64, 65, 96 and 128 bits wide: on each side of a field that fills a word. */
    private static final int[] RANGES = {1, 20, 21, 52, 84};

    @Test
    void packedSharesOpenToXMinusAToTheBit() {
        for (int r : RANGES) {
            int n = 37; // odd, so the stream's last word is half used
            AesCtrPrg prg = RingTestSupport.prg(r);
            PlanEntry.Mask mask = new PlanEntry.Mask(3, Shape.of(n), null, r);
            BigInteger[] x = new BigInteger[n];
            BigInteger top = BigInteger.ONE.shiftLeft(r);
            Ring128Tensor spread = RingTestSupport.randomSmall(prg, Shape.of(n), 9, 1L << Math.min(r, 62));
            for (int i = 0; i < n; i++) { // the range's edges, then values spread over it
                BigInteger v = RingTestSupport.signed(spread, i);
                x[i] = switch (i) {
                    case 0 -> top.negate();
                    case 1 -> top.subtract(BigInteger.ONE);
                    case 2 -> BigInteger.ZERO;
                    default -> r > 62 ? v.shiftLeft(r - 62) : v;
                };
            }
            Ring128Tensor xs = RingTestSupport.fromBigs(Shape.of(n), x);
            Ring128Tensor x0 = prg.tensor(Shape.of(n), 1, 0); // the parties' shares of X
            Ring128Tensor x1 = xs.sub(x0);
            Ring128Tensor a0 = mask.shareFrom(prg.tensor(Shape.of(n), 2, 0));
            Ring128Tensor a1 = mask.shareFrom(prg.tensor(Shape.of(n), 3, 0));
            if (r == 52) { // the largest shares a narrow mask has: -2^r opens at the window's floor
                a0 = mask.shareFrom(Ring128Tensor.filled(Shape.of(n), -1));
                a1 = a0;
            }
            Ring128Tensor d0 = x0.sub(a0);
            Ring128Tensor d1 = x1.sub(a1);
            int bits = NarrowOpening.bits(r);
            Ring128Tensor packed0 = NarrowOpening.pack(d0, bits);
            assertEquals((n * bits + 127) / 128, packed0.size(), "range " + r);
            Ring128Tensor at0 = NarrowOpening.open(mask, d0, NarrowOpening.pack(d1, bits));
            Ring128Tensor at1 = NarrowOpening.open(mask, d1, packed0);
            for (int i = 0; i < n; i++) {
                BigInteger a = RingTestSupport.big(a0, i).add(RingTestSupport.big(a1, i));
                assertTrue(RingTestSupport.big(a0, i).bitLength() <= r + NarrowOpening.STATISTICAL_BITS + 1, "share of A, range " + r);
                BigInteger expected = x[i].subtract(a).mod(M);
                assertEquals(expected, RingTestSupport.big(at0, i), "P0, range " + r + ", element " + i);
                assertEquals(expected, RingTestSupport.big(at1, i), "P1, range " + r + ", element " + i);
            }
        }
    }

    @Test
    void anOpeningNoElementInRangeCanGiveIsRefused() {
        for (int r : RANGES) {
            PlanEntry.Mask mask = new PlanEntry.Mask(7, Shape.of(2), null, r);
            int bits = NarrowOpening.bits(r);
            BigInteger over = BigInteger.ONE.shiftLeft(r + NarrowOpening.STATISTICAL_BITS + 2).add(BigInteger.ONE.shiftLeft(r));
            for (BigInteger x : new BigInteger[]{over, over.negate().shiftLeft(1)}) {
                Ring128Tensor xs = RingTestSupport.fromBigs(Shape.of(2), new BigInteger[]{BigInteger.ONE, x});
                Ring128Tensor a0 = mask.shareFrom(RingTestSupport.prg(r).tensor(Shape.of(2), 1, 0));
                Ring128Tensor a1 = mask.shareFrom(RingTestSupport.prg(r).tensor(Shape.of(2), 2, 0));
                Ring128Tensor d0 = xs.sub(a0);
                Ring128Tensor d1 = Ring128Tensor.zeros(Shape.of(2)).sub(a1);
                ArithmeticException e = assertThrows(ArithmeticException.class,
                        () -> NarrowOpening.open(mask, d0, NarrowOpening.pack(d1, bits)), "range " + r + ", x " + x);
                assertTrue(e.getMessage().startsWith("mask entry 7 ([2]): element 1 of the tensor"), e.getMessage());
            }
        }
    }

    @Test
    void aNarrowMaskIsFreshAndWithinTheRingsBits() {
        assertThrows(IllegalArgumentException.class, () -> new PlanEntry.Mask(0, Shape.of(1), null, NarrowOpening.MAX_RANGE_BITS + 1));
        assertThrows(IllegalArgumentException.class, () -> new PlanEntry.Mask(0, Shape.of(1), null, -1));
        Derivation copy = new Derivation(java.util.List.of(new PlanEntry.Mask(0, Shape.of(1), null, 52)), new int[]{0}, null);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new PlanEntry.Mask(1, Shape.of(1), copy, 52));
        assertEquals("mask 1 is derived: only a fresh mask is narrow", e.getMessage());
        assertEquals(128, NarrowOpening.bits(NarrowOpening.MAX_RANGE_BITS));
        assertEquals(96, NarrowOpening.bits(NarrowOpening.RANGE_BITS));
        assertEquals("0 mask [4] within 2^52", new PlanEntry.Mask(0, Shape.of(4), null, 52).describe());
        assertEquals("0 mask [4]", new PlanEntry.Mask(0, Shape.of(4)).describe());
    }
}
