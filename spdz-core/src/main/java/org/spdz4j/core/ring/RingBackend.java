package org.spdz4j.core.ring;

import java.util.Arrays;
import java.util.List;

/**
 * Where the arithmetic of {@link Ring128Tensor} runs. {@link Ring128Tensor} checks shapes and
 * hands each operation, with valid arguments, to {@link RingBackends#current()}; a backend
 * returns a new tensor and may keep its words on a device ({@link DeviceWords}) so that results
 * stay there between operations. Implementations must be bit-exact with {@link JavaRingBackend}.
 * Host backends extend {@link HostRingBackend} and supply only the array kernels.
 *
 * <pre>{@code
 * RingBackend previous = RingBackends.use(new JavaRingBackend(2));   // two threads for matmul
 * }</pre>
 */
public interface RingBackend {

    /** The backend's name, for reports (java, cpu, cuda). */
    String name();

    /** A tensor with every element the sign-extended {@code value}. */
    Ring128Tensor filled(Shape shape, long value);

    /**
     * The AES-128 counter-mode keystream under {@code key} from {@code counter} (16 bytes each)
     * as ring elements: element i is the block {@code AES_key(counter + i)}, the counter a
     * big-endian 128-bit number, the block's first 8 bytes little-endian the low word and the
     * next 8 the high word. The PRG's expansion; by default the JDK's cipher on the heap.
     */
    default Ring128Tensor aesCounterWords(Shape shape, byte[] key, byte[] counter) {
        return AesCounterWords.onHost(shape, key, counter);
    }

    /** Elements {@code [offset, offset + shape.size())} of {@code a} as a tensor of {@code shape}. By default on the heap. */
    default Ring128Tensor slice(Ring128Tensor a, int offset, Shape shape) {
        int end = offset + shape.size();
        return Ring128Tensor.wrap(shape, Arrays.copyOfRange(a.hiWords(), offset, end),
                Arrays.copyOfRange(a.loWords(), offset, end));
    }

    /** The elements of {@code parts} ({@code total} in all) one after another, rank 1. By default on the heap. */
    default Ring128Tensor concat(List<Ring128Tensor> parts, int total) {
        long[] hi = new long[total];
        long[] lo = new long[total];
        int at = 0;
        for (Ring128Tensor p : parts) {
            System.arraycopy(p.hiWords(), 0, hi, at, p.size());
            System.arraycopy(p.loWords(), 0, lo, at, p.size());
            at += p.size();
        }
        return Ring128Tensor.wrap(Shape.of(total), hi, lo);
    }

    /**
     * Element i of a tensor of {@code shape}: {@code a}'s element {@code plus[i]} (0 where it is
     * -1) minus its element {@code minus[i]} (nothing where it is -1, or {@code minus} null);
     * the indices checked by the caller. By default on the heap.
     */
    default Ring128Tensor map(Ring128Tensor a, int[] plus, int[] minus, Shape shape) {
        long[] aHi = a.hiWords();
        long[] aLo = a.loWords();
        long[] hi = new long[plus.length];
        long[] lo = new long[plus.length];
        for (int i = 0; i < plus.length; i++) {
            long h = plus[i] < 0 ? 0 : aHi[plus[i]];
            long l = plus[i] < 0 ? 0 : aLo[plus[i]];
            if (minus != null && minus[i] >= 0) {
                long ml = aLo[minus[i]];
                h = h - aHi[minus[i]] - (Long.compareUnsigned(l, ml) < 0 ? 1 : 0);
                l = l - ml;
            }
            hi[i] = h;
            lo[i] = l;
        }
        return Ring128Tensor.wrap(shape, hi, lo);
    }

    /**
     * Per element i, {@code ifZero}'s element where bit i of {@code bits} (bit {@code i & 63} of
     * word {@code i >>> 6}) is 0 and {@code ifOne}'s where it is 1; the two of one shape. A
     * comparison's local step from its opened bits to shares. By default on the heap.
     */
    default Ring128Tensor select(long[] bits, Ring128Tensor ifZero, Ring128Tensor ifOne) {
        int n = ifZero.size();
        long[] hi = new long[n];
        long[] lo = new long[n];
        long[] zeroHi = ifZero.hiWords();
        long[] zeroLo = ifZero.loWords();
        long[] oneHi = ifOne.hiWords();
        long[] oneLo = ifOne.loWords();
        for (int e = 0; e < n; e++) {
            long one = -((bits[e >>> 6] >>> (e & 63)) & 1L);   // every bit set where the bit is 1, without a branch
            hi[e] = zeroHi[e] ^ ((zeroHi[e] ^ oneHi[e]) & one);
            lo[e] = zeroLo[e] ^ ((zeroLo[e] ^ oneLo[e]) & one);
        }
        return Ring128Tensor.wrap(ifZero.shape(), hi, lo);
    }

    /**
     * Each element AND the 128-bit constant {@code (hi, lo)}: with its low bits set, a narrow
     * mask's share from a PRG's output ({@link Ring128Tensor#lowBits}). By default on the heap.
     */
    default Ring128Tensor and(Ring128Tensor a, long hi, long lo) {
        long[] outHi = a.hiWords().clone();
        long[] outLo = a.loWords().clone();
        for (int i = 0; i < outHi.length; i++) {
            outHi[i] &= hi;
            outLo[i] &= lo;
        }
        return Ring128Tensor.wrap(a.shape(), outHi, outLo);
    }

    /**
     * The tensor with its words {@code [from, to)} cleared, word {@code 2i} the low word of
     * element i and {@code 2i + 1} its high word (bit rows stored two words to an element). By
     * default on the heap.
     */
    default Ring128Tensor clearWords(Ring128Tensor a, long from, long to) {
        long[] hi = a.hiWords().clone();
        long[] lo = a.loWords().clone();
        for (long j = from; j < to; j++) {
            if ((j & 1) == 0) {
                lo[(int) (j >>> 1)] = 0;
            } else {
                hi[(int) (j >>> 1)] = 0;
            }
        }
        return Ring128Tensor.wrap(a.shape(), hi, lo);
    }

    /**
     * The n signed integers held in {@code rows} bit-sliced rows of {@code t} (1 to 64) from its
     * word {@code firstWord} on, words numbered as by {@link #clearWords}: bit b of element e is
     * bit {@code e % 64} of word {@code firstWord + b W + e / 64}, {@code W = ceil(n / 64)}, and
     * row {@code rows - 1} is the sign. A comparison's share of its random bit. By default on the
     * heap, 64 elements at a time by a bit transpose.
     */
    default Ring128Tensor fromBitRows(Ring128Tensor t, long firstWord, int rows, int n) {
        return BitMatrix.fromBitRows(t, firstWord, rows, n);
    }

    /**
     * Rows {@code 0 .. rows-1} (1 to 128) of the bits of t's n elements, bit-sliced: bit b of
     * element e at bit {@code e % 64} of word {@code b W + e / 64}, {@code W = ceil(n / 64)}, the
     * bits past the last element zero. A comparison's public bits of its opening. By default on
     * the heap, 64 elements at a time by a bit transpose.
     */
    default long[] bitRows(Ring128Tensor t, int rows) {
        return BitMatrix.bitRows(t, rows);
    }

    /**
     * The low {@code bits} bits (1 to 128) of each element packed in a stream, element i at bit
     * {@code i * bits}, two 64-bit words to a ring element (the stream's word 2j in element j's
     * low word): {@code ceil(n bits / 128)} elements. What a party sends of its share of an
     * opening under a narrow mask. By default on the heap.
     */
    default Ring128Tensor packLowBits(Ring128Tensor a, int bits) {
        return PackedBits.pack(a, bits);
    }

    /**
     * Each element of {@code mine} plus the field of {@code bits} bits that {@code packed} holds
     * for it (as {@link #packLowBits} packs them), sign-extended from bit {@code bits - 1}: an
     * opening under a narrow mask from this party's share and the peer's low bits. By default
     * on the heap.
     */
    default Ring128Tensor addPacked(Ring128Tensor mine, Ring128Tensor packed, int bits) {
        return PackedBits.addPacked(mine, packed, bits);
    }

    /**
     * A bit per element (bit {@code i % 64} of word {@code i / 64}), set where the element, as
     * a signed integer, lies outside {@code [low, high)}, the bounds given as the high and low
     * words of signed 128-bit integers. An opening's range check. By default on the heap.
     */
    default long[] outside(Ring128Tensor a, long lowHi, long lowLo, long highHi, long highLo) {
        return PackedBits.outside(a, lowHi, lowLo, highHi, highLo);
    }

    /**
     * Words of a tensor of {@code size} elements that a transport will fill as they arrive,
     * where this backend keeps tensors off the heap; null (the default) where it keeps them in
     * heap arrays.
     */
    default WordSink wordSink(int size) {
        return null;
    }

    /** Elementwise sum mod 2^128. */
    Ring128Tensor add(Ring128Tensor a, Ring128Tensor b);

    /** Elementwise difference mod 2^128. */
    Ring128Tensor sub(Ring128Tensor a, Ring128Tensor b);

    /** Elementwise product mod 2^128. */
    Ring128Tensor mul(Ring128Tensor a, Ring128Tensor b);

    /**
     * The elementwise Beaver combination in one pass: {@code e * (f + b) + a * f + c} when
     * {@code withOpenedProduct}, else {@code e * b + a * f + c} (see {@code BeaverProduct}).
     */
    Ring128Tensor beaverElementwise(boolean withOpenedProduct, Ring128Tensor e, Ring128Tensor f, Ring128Tensor a,
                                    Ring128Tensor b, Ring128Tensor c);

    /** Arithmetic (sign-extending) right shift of every element by {@code bits} in [0, 127]. */
    Ring128Tensor shiftRight(Ring128Tensor a, int bits);

    /** Multiplication by 2^bits, {@code bits} in [0, 127]. */
    Ring128Tensor shiftLeft(Ring128Tensor a, int bits);

    /**
     * {@code op(a) * op(b)} of shape {@code out} ({@code m x n}); {@code a} is stored {@code k x m}
     * when {@code transA}, {@code b} is stored {@code n x k} when {@code transB}.
     */
    Ring128Tensor matmul(Ring128Tensor a, boolean transA, Ring128Tensor b, boolean transB, Shape out);

    /** Unfolds an NCHW image batch into the {@code (C*k*k) x (N*OH*OW)} column matrix of {@code g}. */
    Ring128Tensor im2col(Ring128Tensor a, Conv2dGeometry g);

    /** Adjoint of {@link #im2col}: scatter-adds columns back into an NCHW image batch. */
    Ring128Tensor col2im(Ring128Tensor a, Conv2dGeometry g);

    /** Sum of each non-overlapping {@code k x k} window of an NCHW tensor into {@code out}. */
    Ring128Tensor sumPool(Ring128Tensor a, int k, Shape out);

    /** Adjoint of {@link #sumPool}: each element repeated over a {@code k x k} window of {@code out}. */
    Ring128Tensor repeat(Ring128Tensor a, int k, Shape out);

    /** (A, B, H, W) to (B, A, H, W). */
    Ring128Tensor swapLeadingAxes(Ring128Tensor a);

    /** (N, F) to the N row sums. */
    Ring128Tensor rowSums(Ring128Tensor a);

    /** (F) repeated as each of {@code rows} rows: (rows, F). */
    Ring128Tensor broadcastRows(Ring128Tensor a, int rows);

    /** (N) with each element repeated across {@code columns}: (N, columns). */
    Ring128Tensor broadcastColumns(Ring128Tensor a, int columns);
}
