package org.spdz4j.core.ring;

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
