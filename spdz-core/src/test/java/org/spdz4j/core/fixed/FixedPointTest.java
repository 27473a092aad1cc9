package org.spdz4j.core.fixed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.spdz4j.core.mpc.Truncation;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.testing.RingTestSupport;
import org.spdz4j.core.transport.Role;

class FixedPointTest {
    private final FixedPoint fp = FixedPoint.DEFAULT;
    private final AesCtrPrg prg = RingTestSupport.prg(2);

    @Test
    void roundTripIsWithinHalfAnUlp() {
        double[] values = {0, 1, -1, 0.5, -0.5, 3.14159265, -2.718281828, 1e-7, 12345.678, -98765.4321, 1e12};
        double[] back = fp.decode(fp.encode(Shape.of(values.length), values));
        for (int i = 0; i < values.length; i++) {
            assertEquals(values[i], back[i], fp.ulp() / 2 + Math.ulp(values[i]), "value " + values[i]);
        }
    }

    @Test
    void outOfRangeEncodeFailsNamingValueAndRange() {
        ArithmeticException e = assertThrows(ArithmeticException.class,
                () -> fp.encode(Shape.of(3), 1.0, 1e14, 2.0));
        assertTrue(e.getMessage().contains("1.0E14") && e.getMessage().contains("2^43")
                && e.getMessage().contains("element 1"), e.getMessage());
        assertThrows(ArithmeticException.class, () -> fp.encode(Double.NaN));
        assertThrows(ArithmeticException.class, () -> fp.encode(Double.NEGATIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> new FixedPoint(0));
        assertThrows(IllegalArgumentException.class, () -> new FixedPoint(FixedPoint.MAX_FRACTIONAL_BITS + 1));
    }

    @Test
    void sharedProductsTruncatedLocallyAreWithinTwoUlpOfFloat() {
        int n = 5000;
        double[] x = new double[n];
        double[] y = new double[n];
        Ring128Tensor rx = RingTestSupport.randomSmall(prg, Shape.of(n), 0, 1L << 30);
        Ring128Tensor ry = RingTestSupport.randomSmall(prg, Shape.of(n), 1, 1L << 30);
        for (int i = 0; i < n; i++) {
            x[i] = rx.lo(i) / 1e6;   // about +-1000
            y[i] = ry.lo(i) / 1e8;   // about +-10
        }
        Ring128Tensor ex = fp.encode(Shape.of(n), x);
        Ring128Tensor ey = fp.encode(Shape.of(n), y);
        // the reference is the float product of the encoded values: input rounding is not the product's error
        double[] dx = fp.decode(ex);
        double[] dy = fp.decode(ey);
        Ring128Tensor product = ex.mul(ey); // scale 2^2f
        Ring128Tensor share0 = prg.tensor(Shape.of(n), 2, 0);
        Ring128Tensor share1 = product.sub(share0);
        Ring128Tensor truncated = Truncation.truncate(Role.P0, share0, fp.fractionalBits())
                .add(Truncation.truncate(Role.P1, share1, fp.fractionalBits()));
        double[] got = fp.decode(truncated);
        for (int i = 0; i < n; i++) {
            assertEquals(dx[i] * dy[i], got[i], 2 * fp.ulp(), "element " + i);
        }
    }

    /**
     * Documents the failure bound of local truncation: a value of bit length l fails with
     * probability at most 2^(l+1-128). Checked empirically where failures are frequent enough
     * to count (l = 120), then applied to the default precision's realistic magnitudes.
     */
    @Test
    void truncationFailureRateFollowsTheDocumentedBound() {
        int n = 1 << 16;
        int l = 120;
        Ring128Tensor x = RingTestSupport.randomSmall(prg, Shape.of(n), 3, 1L << 62).shiftLeft(l - 63); // |x| < 2^(l-1)
        Ring128Tensor share0 = prg.tensor(Shape.of(n), 4, 0);
        Ring128Tensor share1 = x.sub(share0);
        int bits = fp.fractionalBits();
        Ring128Tensor t = Truncation.truncate(Role.P0, share0, bits).add(Truncation.truncate(Role.P1, share1, bits));
        Ring128Tensor exact = x.shiftRight(bits);
        int failures = 0;
        for (int i = 0; i < n; i++) {
            long diffLo = t.lo(i) - exact.lo(i);
            boolean withinOne = (t.hi(i) == exact.hi(i) || diffLo == 1 || diffLo == -1) && Math.abs(diffLo) <= 1;
            if (!withinOne) {
                failures++;
            }
        }
        double bound = FixedPoint.truncationFailureBound(l - 1) * n; // 2^-8 * 65536 = 256 expected at most
        assertTrue(failures > 0, "at l=120 failures must be observable");
        assertTrue(failures <= bound + 5 * Math.sqrt(bound), failures + " failures, bound " + bound);

        // default f = 20: activations up to 2^10 multiplied at scale 2^40 have bit length 51
        int productBits = FixedPoint.bitLength(1024.0 * 1024.0, 2 * fp.fractionalBits());
        assertEquals(61, productBits);
        assertTrue(FixedPoint.truncationFailureBound(productBits) < 0x1p-40);
        // a cube of a pre-activation up to 64 at scale 2^60
        int cubeBits = FixedPoint.bitLength(64.0 * 64 * 64, 3 * fp.fractionalBits());
        assertTrue(FixedPoint.truncationFailureBound(cubeBits) < 0x1p-40, "cube bits " + cubeBits);
    }
}
