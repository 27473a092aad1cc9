package org.spdz4j.core.mpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/** The comparison bit beta's narrow shares: one party's below 2^41 from its PRG, the other's beta minus it from the dealer. */
class BetaShareTest {
    @Test
    void theSharesAddToBetaAndStayWithinTheirBits() {
        int n = 1000; // 16 words, the last one partial
        int bits = 40;
        AesCtrPrg prg = new AesCtrPrg(AesCtrPrg.freshSeed());
        for (boolean relu : new boolean[]{true, false}) {
            Ring128Tensor a = prg.tensor(Shape.of(n), 1, 0);
            Ring128Tensor r0 = prg.tensor(SecureComparison.randomShape(n, bits), 2, 0);
            Ring128Tensor r1 = prg.tensor(SecureComparison.randomShape(n, bits), 3, 0);
            Ring128Tensor generated = SecureComparison.generatedShare(
                    prg.tensor(SecureComparison.determinedShape(n, bits, relu), 4, 0), n, relu);
            Ring128Tensor corrected = SecureComparison.correction(a, bits, relu, generated, r0, r1);
            assertEquals(generated.shape(), corrected.shape());
            int base = SecureComparison.ringValues(n, relu);
            Ring128Tensor mine = generated.fromBitRows(2L * base, SecureComparison.BETA_ROWS, n);
            Ring128Tensor theirs = corrected.fromBitRows(2L * base, SecureComparison.BETA_ROWS, n);
            long[] beta = SecureComparison.betaBits(r0, r1, n);
            BigInteger limit = BigInteger.ONE.shiftLeft(SecureComparison.BETA_SHARE_BITS);
            int ones = 0;
            for (int e = 0; e < n; e++) {
                BigInteger x = signed(mine, e);
                BigInteger y = signed(theirs, e);
                long b = (beta[e >>> 6] >>> (e & 63)) & 1;
                ones += (int) b;
                assertEquals(BigInteger.valueOf(b), x.add(y), "element " + e);
                assertTrue(x.signum() >= 0 && x.compareTo(limit) < 0, "generated share " + x);
                assertTrue(y.compareTo(limit.negate()) > 0 && y.compareTo(BigInteger.ONE) <= 0, "corrected share " + y);
            }
            assertTrue(ones > n / 4 && ones < 3 * n / 4, ones + " of " + n + " bits set");
            if (relu) { // [A beta] still adds up in the ring
                for (int e = 0; e < n; e++) {
                    long b = (beta[e >>> 6] >>> (e & 63)) & 1;
                    Ring128Tensor sum = generated.slice(e, Shape.of(1)).add(corrected.slice(e, Shape.of(1)));
                    assertEquals(b == 1 ? a.lo(e) : 0, sum.lo(0));
                    assertEquals(b == 1 ? a.hi(e) : 0, sum.hi(0));
                }
            }
        }
    }

    private static BigInteger signed(Ring128Tensor t, int e) {
        return BigInteger.valueOf(t.hi(e)).shiftLeft(64).add(new BigInteger(Long.toUnsignedString(t.lo(e))));
    }
}
