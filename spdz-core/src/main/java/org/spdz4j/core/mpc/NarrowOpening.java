package org.spdz4j.core.mpc;

import java.math.BigInteger;
import org.spdz4j.core.ring.Ring128Tensor;

/**
 * Openings under a narrow mask ({@link PlanEntry.Mask#narrow()}): a tensor whose elements lie in
 * {@code [-2^r, 2^r)} (r the mask's {@code rangeBits}), masked with {@code A = A_0 + A_1} where
 * each party's share is uniform below {@code 2^s}, {@code s = r + STATISTICAL_BITS + 1}. Then
 * {@code D = X - A} lies in {@code [-(2^(s + 1) + 2^r), 2^r)}, within a signed
 * {@link #bits(int)}-bit integer ({@code s + 3} bits), so each party sends only the low
 * {@code bits(r)} bits of its share of D, packed ({@link #pack}); the receiver adds them to its
 * own share and sign-extends ({@link #open}). Given its own share of A, a party sees X shift the
 * peer's uniform share by at most {@code 2^(r + 1)} in a window of {@code 2^s}: D hides each
 * element of X up to a statistical distance of {@code 2^-STATISTICAL_BITS}. D serves every
 * product and comparison as the whole ring's opening would: it is the same ring element.
 *
 * <p>An element outside the range can show: an opening at or above {@code 2^r}, or below the
 * window's floor, cannot come from an element in range, and is refused ({@link #open} throws),
 * naming the mask. One outside the range by less than the mask happened to cover passes,
 * correct, and leaks a little more of itself than the statistical bound says. One far enough
 * outside to wrap the window (beyond about {@code 2^(r + STATISTICAL_BITS + 2)}, 2^94 at
 * {@link #RANGE_BITS}) may open wrong unseen; fixed-point products overflow the ring long before.
 *
 * <p>Training and prediction plans use {@link #RANGE_BITS} (openings of 96 bits, 12 bytes
 * instead of 16); a {@code Session} of the library keeps masks uniform over the ring.
 *
 * <pre>{@code
 * Plan.Builder b = Plan.builder("example").narrowMasks(NarrowOpening.RANGE_BITS); // the triples module's builder
 * PlanEntry.Mask x = b.mask(Shape.of(128, 784));  // for a tensor within [-2^52, 2^52)
 * MaskedTensor opened = party.mask(xShare, x);    // 12 bytes an element each way
 * }</pre>
 */
public final class NarrowOpening {
    /** The statistical security of a narrow mask: X's shift against the peer's share of A, at most 2^-40 of its window. */
    public static final int STATISTICAL_BITS = 40;
    /** The range of the training and prediction plans' masks: {@code [-2^52, 2^52)} raw, {@code 2^32} at 20 fractional bits; openings of 96 bits. */
    public static final int RANGE_BITS = 52;
    /** The widest range a narrow mask serves (its openings then take the whole 128 bits). */
    public static final int MAX_RANGE_BITS = 128 - STATISTICAL_BITS - 4;

    private NarrowOpening() {
    }

    /** Refuses a range no narrow mask serves: {@code rangeBits} must be 1 to {@link #MAX_RANGE_BITS}. */
    public static void requireRange(int rangeBits) {
        if (rangeBits < 1 || rangeBits > MAX_RANGE_BITS) {
            throw new IllegalArgumentException("a narrow mask serves a range of 1 to " + MAX_RANGE_BITS + " bits, not "
                    + rangeBits);
        }
    }

    /** The low bits of an opening under a narrow mask of range {@code rangeBits} that the parties send. */
    public static int bits(int rangeBits) {
        return shareBits(rangeBits) + 3;
    }

    /** The bits of each party's share of a narrow mask: {@code rangeBits + STATISTICAL_BITS + 1}. */
    static int shareBits(int rangeBits) {
        return rangeBits + STATISTICAL_BITS + 1;
    }

    /** A party's share of a narrow mask from its PRG's {@code output}: the output's low {@link #shareBits} bits. */
    static Ring128Tensor maskShare(Ring128Tensor output, int rangeBits) {
        return output.lowBits(shareBits(rangeBits)); // where the output is: a GPU's PRG output stays there
    }

    /**
     * The low {@code bits} bits of each element of {@code share}, packed in a stream (element i
     * at bit {@code i * bits}, low word first), two 64-bit words to a ring element (low word of
     * the stream in the element's low word); where the share lies.
     */
    static Ring128Tensor pack(Ring128Tensor share, int bits) {
        return share.packLowBits(bits);
    }

    /**
     * The opening D of {@code mask} from this party's share of it, {@code mine} (whole), and the
     * peer's packed low bits {@code theirs}: the low bits added and sign-extended, where
     * {@code mine} lies. Refuses an opening that no element within the mask's range can give.
     */
    static Ring128Tensor open(PlanEntry.Mask mask, Ring128Tensor mine, Ring128Tensor theirs) {
        int r = mask.rangeBits();
        Ring128Tensor opened = mine.addPacked(theirs, mask.openingBits());
        // the window of openings of elements in range: [-(2^(s + 1) + 2^r), 2^r), s + 1 at most 126
        BigInteger low = BigInteger.ONE.shiftLeft(shareBits(r) + 1).add(BigInteger.ONE.shiftLeft(r)).negate();
        BigInteger high = BigInteger.ONE.shiftLeft(r);
        long[] outside = opened.outside(low.shiftRight(64).longValue(), low.longValue(), high.shiftRight(64).longValue(),
                high.longValue());
        for (int k = 0; k < outside.length; k++) {
            if (outside[k] != 0) {
                int i = 64 * k + Long.numberOfTrailingZeros(outside[k]);
                throw new ArithmeticException("mask entry " + mask.id() + " (" + mask.shape() + "): element " + i
                        + " of the tensor opened with it lies outside [-2^" + r + ", 2^" + r
                        + ") (raw ring value), the range of its narrow mask: the computation diverged, or an input is out"
                        + " of range; refused");
            }
        }
        return opened;
    }
}
