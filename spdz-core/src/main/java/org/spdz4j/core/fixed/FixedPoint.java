package org.spdz4j.core.fixed;

import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/**
 * Fixed-point encoding of reals into Z_2^128: {@code x -> round(x * 2^f)}.
 *
 * <h2>Default: f = 20 fractional bits</h2>
 * One ulp is 2^-20 (about 1e-6); rounding MNIST training values to 20 fractional bits changes
 * accuracy by under 0.05 points. Headroom in the 128-bit ring (values must stay below 2^127):
 * <ul>
 *   <li>inputs are limited to |x| &lt; 2^(63-f) = 2^43 by {@link #encode};</li>
 *   <li>a product of two encoded values carries scale 2^2f = 2^40: an activation product up to
 *       2^20 in magnitude has bit length 61, leaving 66 bits;</li>
 *   <li>a cube carries 2^3f = 2^60: x^3 for |x| &lt;= 64 has bit length 79, leaving 48 bits.</li>
 * </ul>
 * Local truncation (see {@code Truncation}) fails with probability at most
 * {@link #truncationFailureBound 2^(l+1-128)} for a true value of bit length l; with the
 * magnitudes above that is 2^-66 for products and 2^-48 for cubes, per element.
 *
 * <pre>{@code
 * FixedPoint fp = FixedPoint.DEFAULT;
 * Ring128Tensor x = fp.encode(Shape.of(3), 0.5, -1.25, 3.0);
 * double[] back = fp.decode(x);
 * }</pre>
 */
public final class FixedPoint {
    /** Fractional bits of the default format. */
    public static final int DEFAULT_FRACTIONAL_BITS = 20;
    /** The default format, {@value #DEFAULT_FRACTIONAL_BITS} fractional bits. */
    public static final FixedPoint DEFAULT = new FixedPoint(DEFAULT_FRACTIONAL_BITS);
    /** Above this the cube of a unit value (scale 2^3f) leaves fewer than 20 bits of headroom. */
    public static final int MAX_FRACTIONAL_BITS = 36;

    private static final double TWO_64 = 0x1p64;

    private final int fractionalBits;
    private final double scale;
    private final double maxAbs;

    /** A format with {@code fractionalBits} fractional bits (at most {@value #MAX_FRACTIONAL_BITS}). */
    public FixedPoint(int fractionalBits) {
        if (fractionalBits < 1 || fractionalBits > MAX_FRACTIONAL_BITS) {
            throw new IllegalArgumentException("fractional bits must be in [1, " + MAX_FRACTIONAL_BITS + "], got "
                    + fractionalBits);
        }
        this.fractionalBits = fractionalBits;
        this.scale = Math.scalb(1.0, fractionalBits);
        this.maxAbs = Math.scalb(1.0, 63 - fractionalBits);
    }

    /** The number of fractional bits f. */
    public int fractionalBits() {
        return fractionalBits;
    }

    /** The value of one unit in the last place, 2^-f. */
    public double ulp() {
        return 1.0 / scale;
    }

    /** Largest magnitude {@link #encode} accepts (exclusive): 2^(63-f). */
    public double maxAbs() {
        return maxAbs;
    }

    /** Bits of a product's bit length at which its truncation fails with probability at most 2^-40 per element. */
    public static final int SAFE_PRODUCT_BITS = 87;

    /**
     * The largest magnitude (exclusive) of two factors whose product truncates correctly except
     * with probability at most 2^-40 per element: {@code 2^floor((87 - 2f) / 2)}, 2^23 (about
     * 8.4 million) at f = 20. Their product, at scale 2^2f, then has bit length at most 87 (see
     * {@link #truncationFailureBound}). {@code Session} refuses inputs and public factors beyond
     * it; fewer fractional bits allow larger values.
     */
    public double productSafeAbs() {
        return Math.scalb(1.0, (SAFE_PRODUCT_BITS - 2 * fractionalBits) / 2);
    }

    /** {@code round(x * 2^f)}; refuses a value outside the format's range. */
    public long encode(double x) {
        if (!(Math.abs(x) < maxAbs)) { // also rejects NaN
            throw new ArithmeticException("value " + x + " is outside the fixed-point range (-2^" + (63 - fractionalBits)
                    + ", 2^" + (63 - fractionalBits) + ") for " + fractionalBits + " fractional bits");
        }
        return Math.round(x * scale);
    }

    /** The values, encoded, as a tensor of {@code shape}. */
    public Ring128Tensor encode(Shape shape, double... values) {
        if (values.length != shape.size()) {
            throw new IllegalArgumentException("shape " + shape + " needs " + shape.size() + " values, got " + values.length);
        }
        long[] encoded = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            try {
                encoded[i] = encode(values[i]);
            } catch (ArithmeticException e) {
                throw new ArithmeticException(e.getMessage() + " (element " + i + " of a tensor of shape " + shape + ")");
            }
        }
        return Ring128Tensor.ofLongs(shape, encoded);
    }

    /** Decodes values at scale 2^f. */
    public double[] decode(Ring128Tensor t) {
        return decode(t, fractionalBits);
    }

    /** Decodes values at scale 2^scaleBits, e.g. 2f for an untruncated product. */
    public static double[] decode(Ring128Tensor t, int scaleBits) {
        double[] out = new double[t.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.scalb(toDouble(t.hi(i), t.lo(i)), -scaleBits);
        }
        return out;
    }

    /** The signed 128-bit value {@code hi * 2^64 + lo (unsigned)} as a double, rounded once. */
    public static double toDouble(long hi, long lo) {
        if (hi == (lo >> 63)) {
            return lo; // fits in a signed long: exact conversion
        }
        if (hi < 0) { // convert the magnitude so no cancellation happens
            long negLo = -lo;
            long negHi = ~hi + (lo == 0 ? 1 : 0);
            return -unsignedToDouble(negHi, negLo);
        }
        return unsignedToDouble(hi, lo);
    }

    private static double unsignedToDouble(long hi, long lo) {
        double unsignedLo = (double) (lo >>> 1) * 2.0 + (lo & 1);
        double unsignedHi = (double) (hi >>> 1) * 2.0 + (hi & 1);
        return unsignedHi * TWO_64 + unsignedLo;
    }

    /**
     * Upper bound on the probability that local truncation of one shared value of bit length
     * {@code bitLength} (|x| &lt; 2^bitLength) is off by more than one ulp: 2^(l+1-128).
     */
    public static double truncationFailureBound(int bitLength) {
        return Math.scalb(1.0, bitLength + 1 - 128);
    }

    /** Bit length of a real of magnitude at most {@code maxAbs} encoded at scale 2^scaleBits. */
    public static int bitLength(double maxAbs, int scaleBits) {
        return Math.getExponent(Math.scalb(Math.abs(maxAbs), scaleBits)) + 1;
    }
}
