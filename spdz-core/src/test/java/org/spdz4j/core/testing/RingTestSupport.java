package org.spdz4j.core.testing;

import java.math.BigInteger;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/** BigInteger references and deterministic random tensors (with edge values) for tests. */
public final class RingTestSupport {
    public static final BigInteger MODULUS = BigInteger.ONE.shiftLeft(128);
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);

    /**
     * 0, 1, -1, 2^32-1, 2^32, 2^63, 2^64-1, 2^64, 2^127, 2^127-1, -2^127 (= 2^127 mod 2^128)+1 and
     * -2^63 as (hi, lo).
     */
    public static final long[][] EDGES = {
            {0, 0}, {0, 1}, {-1, -1}, {0, 0xFFFF_FFFFL}, {0, 1L << 32}, {0, Long.MIN_VALUE}, {0, -1}, {1, 0},
            {Long.MIN_VALUE, 0}, {Long.MAX_VALUE, -1}, {Long.MIN_VALUE, 1}, {-1, Long.MIN_VALUE},
    };

    private RingTestSupport() {
    }

    public static AesCtrPrg prg(int seed) {
        byte[] key = new byte[16];
        key[0] = (byte) seed;
        key[1] = (byte) (seed >> 8);
        return new AesCtrPrg(key);
    }

    /** Uniform random elements, about a third of them replaced by edge values. */
    public static Ring128Tensor randomWithEdges(AesCtrPrg prg, Shape shape, int stream) {
        Ring128Tensor r = prg.tensor(shape, stream, 0);
        Ring128Tensor pick = prg.tensor(shape, stream, 1);
        long[] hi = r.hiWords().clone();
        long[] lo = r.loWords().clone();
        for (int i = 0; i < hi.length; i++) {
            long p = pick.loWords()[i];
            if (Long.remainderUnsigned(p, 3) == 0) {
                long[] e = EDGES[(int) Long.remainderUnsigned(p >>> 8, EDGES.length)];
                hi[i] = e[0];
                lo[i] = e[1];
            }
        }
        return Ring128Tensor.wrap(shape, hi, lo);
    }

    /** Small signed values in [-bound, bound), for fixed-point and convolution references. */
    public static Ring128Tensor randomSmall(AesCtrPrg prg, Shape shape, int stream, long bound) {
        Ring128Tensor r = prg.tensor(shape, stream, 0);
        long[] v = new long[shape.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = Long.remainderUnsigned(r.loWords()[i], 2 * bound) - bound;
        }
        return Ring128Tensor.ofLongs(shape, v);
    }

    /** Element {@code i} as an integer in [0, 2^128). */
    public static BigInteger big(Ring128Tensor t, int i) {
        BigInteger hi = BigInteger.valueOf(t.hi(i)).mod(TWO_64);
        BigInteger lo = BigInteger.valueOf(t.lo(i)).mod(TWO_64);
        return hi.shiftLeft(64).add(lo);
    }

    /** Element {@code i} as a signed integer in [-2^127, 2^127). */
    public static BigInteger signed(Ring128Tensor t, int i) {
        BigInteger u = big(t, i);
        return u.testBit(127) ? u.subtract(MODULUS) : u;
    }

    public static BigInteger[] bigs(Ring128Tensor t) {
        BigInteger[] out = new BigInteger[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = big(t, i);
        }
        return out;
    }

    /** A tensor from integers, reduced mod 2^128. */
    public static Ring128Tensor fromBigs(Shape shape, BigInteger[] values) {
        long[] hi = new long[values.length];
        long[] lo = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            BigInteger v = values[i].mod(MODULUS);
            lo[i] = v.longValue();
            hi[i] = v.shiftRight(64).longValue();
        }
        return Ring128Tensor.wrap(shape, hi, lo);
    }

    /** Asserts every element of {@code actual} is within one unit of {@code expected} in the ring (BigInteger check). */
    public static void assertWithinOne(Ring128Tensor expected, Ring128Tensor actual, String what) {
        org.junit.jupiter.api.Assertions.assertEquals(expected.shape(), actual.shape(), what + ": shape");
        for (int i = 0; i < expected.size(); i++) {
            BigInteger d = big(actual, i).subtract(big(expected, i)).mod(MODULUS);
            if (!(d.signum() == 0 || d.equals(BigInteger.ONE) || d.equals(MODULUS.subtract(BigInteger.ONE)))) {
                org.junit.jupiter.api.Assertions.fail(what + " element " + i + ": expected " + signed(expected, i)
                        + " within one, got " + signed(actual, i));
            }
        }
    }
}
