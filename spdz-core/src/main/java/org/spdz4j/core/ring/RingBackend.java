package org.spdz4j.core.ring;

/**
 * Kernels for arithmetic mod 2^128 on structure-of-arrays data: element {@code i} of a tensor is
 * {@code hi[i] * 2^64 + (lo[i] unsigned)}. Implementations must be bit-exact with
 * {@link JavaRingBackend}; the native module supplies C and CUDA implementations.
 *
 * <p>Outputs may alias inputs only where the operation is elementwise.
 *
 * <pre>{@code
 * RingBackends.use(new JavaRingBackend(2));   // two threads for matmul
 * }</pre>
 */
public interface RingBackend {

    String name();

    void add(long[] aHi, long[] aLo, long[] bHi, long[] bLo, long[] outHi, long[] outLo, int n);

    void sub(long[] aHi, long[] aLo, long[] bHi, long[] bLo, long[] outHi, long[] outLo, int n);

    /** Elementwise product mod 2^128. */
    void mul(long[] aHi, long[] aLo, long[] bHi, long[] bLo, long[] outHi, long[] outLo, int n);

    /** Arithmetic (sign-extending) right shift of every element by {@code bits} in [0, 127]. */
    void shiftRight(long[] hi, long[] lo, int bits, long[] outHi, long[] outLo, int n);

    /**
     * {@code out (m x n) = op(a) * op(b)} where {@code op(a)} is {@code m x k} and {@code op(b)} is
     * {@code k x n}; {@code a} is stored {@code k x m} when {@code transA}, {@code b} is stored
     * {@code n x k} when {@code transB}. {@code out} must not alias the inputs.
     */
    void matmul(long[] aHi, long[] aLo, boolean transA, long[] bHi, long[] bLo, boolean transB,
                int m, int k, int n, long[] outHi, long[] outLo);

    /** Unfold an NCHW image batch into a {@code (C*k*k) x (N*OH*OW)} column matrix. */
    void im2col(long[] hi, long[] lo, Conv2dGeometry g, long[] outHi, long[] outLo);

    /** Adjoint of {@link #im2col}: scatter-add columns back into an NCHW image batch. */
    void col2im(long[] hi, long[] lo, Conv2dGeometry g, long[] outHi, long[] outLo);
}
