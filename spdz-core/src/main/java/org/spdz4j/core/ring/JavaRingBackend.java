package org.spdz4j.core.ring;

import java.util.concurrent.ForkJoinPool;
import java.util.stream.IntStream;

/**
 * Pure-Java kernels for Z_2^128. The matrix product is a dot-product kernel over rows of
 * {@code A} and rows of {@code B^T}, with the 64x64 -> 128 high word from
 * {@link Math#multiplyHigh} and carries of the low word deferred to the end of each dot product.
 *
 * <pre>{@code
 * RingBackend single = new JavaRingBackend(1);
 * }</pre>
 */
public final class JavaRingBackend extends HostRingBackend {
    /** Below this many multiply-accumulates a product runs on the calling thread. */
    private static final long PARALLEL_THRESHOLD = 1L << 20;
    private static final long LOW32 = 0xFFFF_FFFFL;

    private final int threads;
    private final ForkJoinPool pool;

    /** A backend using up to {@code threads} threads for large operations. */
    public JavaRingBackend(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1, got " + threads);
        }
        this.threads = threads;
        this.pool = threads == 1 ? null : new ForkJoinPool(threads);
    }

    @Override
    public String name() {
        return "java(" + threads + " threads)";
    }

    @Override
    public void add(long[] aHi, long[] aLo, long[] bHi, long[] bLo, long[] outHi, long[] outLo, int n) {
        for (int i = 0; i < n; i++) {
            long lo = aLo[i] + bLo[i];
            long carry = Long.compareUnsigned(lo, aLo[i]) < 0 ? 1 : 0;
            outHi[i] = aHi[i] + bHi[i] + carry;
            outLo[i] = lo;
        }
    }

    @Override
    public void sub(long[] aHi, long[] aLo, long[] bHi, long[] bLo, long[] outHi, long[] outLo, int n) {
        for (int i = 0; i < n; i++) {
            long borrow = Long.compareUnsigned(aLo[i], bLo[i]) < 0 ? 1 : 0;
            outHi[i] = aHi[i] - bHi[i] - borrow;
            outLo[i] = aLo[i] - bLo[i];
        }
    }

    @Override
    public void mul(long[] aHi, long[] aLo, long[] bHi, long[] bLo, long[] outHi, long[] outLo, int n) {
        for (int i = 0; i < n; i++) {
            long al = aLo[i];
            long bl = bLo[i];
            outHi[i] = unsignedMultiplyHigh(al, bl) + aHi[i] * bl + al * bHi[i];
            outLo[i] = al * bl;
        }
    }

    @Override
    public void shiftRight(long[] hi, long[] lo, int bits, long[] outHi, long[] outLo, int n) {
        if (bits < 0 || bits > 127) {
            throw new IllegalArgumentException("shift must be in [0, 127], got " + bits);
        }
        if (bits == 0) {
            System.arraycopy(hi, 0, outHi, 0, n);
            System.arraycopy(lo, 0, outLo, 0, n);
        } else if (bits < 64) {
            for (int i = 0; i < n; i++) {
                long h = hi[i];
                outLo[i] = (lo[i] >>> bits) | (h << (64 - bits));
                outHi[i] = h >> bits;
            }
        } else {
            for (int i = 0; i < n; i++) {
                long h = hi[i];
                outLo[i] = h >> (bits - 64);
                outHi[i] = h >> 63;
            }
        }
    }

    @Override
    public void matmul(long[] aHi, long[] aLo, boolean transA, long[] bHi, long[] bLo, boolean transB,
                       int m, int k, int n, long[] outHi, long[] outLo) {
        // Rows of A and rows of B^T, each element as (lo, hi + carry-correction): see dot().
        long[] rowLo = new long[m * k];
        long[] rowHi = new long[m * k];
        long[] colLo = new long[n * k];
        long[] colHi = new long[n * k];
        packRows(aHi, aLo, transA, m, k, rowHi, rowLo);
        packRows(bHi, bLo, !transB, n, k, colHi, colLo);

        long work = (long) m * n * k;
        int blocks = (pool == null || work < PARALLEL_THRESHOLD) ? 1 : Math.min(n, threads * 8);
        if (blocks == 1) {
            dotBlock(rowHi, rowLo, colHi, colLo, m, k, n, 0, n, outHi, outLo);
            return;
        }
        int per = (n + blocks - 1) / blocks;
        pool.submit(() -> IntStream.range(0, blocks).parallel().forEach(b -> {
            int from = b * per;
            int to = Math.min(n, from + per);
            if (from < to) {
                dotBlock(rowHi, rowLo, colHi, colLo, m, k, n, from, to, outHi, outLo);
            }
        })).join();
    }

    /**
     * Copies a {@code rows x k} operand into row-major form; {@code transposed} means the source
     * is stored {@code k x rows}. The high word gets the sign bit of the low word added, so that
     * the signed {@link Math#multiplyHigh} plus two 64-bit products give the exact high word.
     */
    private static void packRows(long[] hi, long[] lo, boolean transposed, int rows, int k, long[] outHi, long[] outLo) {
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < k; c++) {
                int src = transposed ? c * rows + r : r * k + c;
                long l = lo[src];
                outLo[r * k + c] = l;
                outHi[r * k + c] = hi[src] + (l >>> 63);
            }
        }
    }

    private static void dotBlock(long[] rowHi, long[] rowLo, long[] colHi, long[] colLo, int m, int k, int n,
                                 int from, int to, long[] outHi, long[] outLo) {
        int j = from;
        for (; j + 1 < to; j += 2) {
            int b0 = j * k;
            int b1 = b0 + k;
            for (int i = 0; i < m; i++) {
                int a = i * k;
                // low words split into 32-bit halves so carries are counted once at the end
                long ll0 = 0, lh0 = 0, h0 = 0, ll1 = 0, lh1 = 0, h1 = 0;
                for (int t = 0; t < k; t++) {
                    long al = rowLo[a + t];
                    long ah = rowHi[a + t];
                    long bl0 = colLo[b0 + t];
                    long bl1 = colLo[b1 + t];
                    long p0 = al * bl0;
                    long p1 = al * bl1;
                    ll0 += p0 & LOW32;
                    lh0 += p0 >>> 32;
                    ll1 += p1 & LOW32;
                    lh1 += p1 >>> 32;
                    h0 += Math.multiplyHigh(al, bl0) + ah * bl0 + al * colHi[b0 + t];
                    h1 += Math.multiplyHigh(al, bl1) + ah * bl1 + al * colHi[b1 + t];
                }
                store(ll0, lh0, h0, outHi, outLo, i * n + j);
                store(ll1, lh1, h1, outHi, outLo, i * n + j + 1);
            }
        }
        for (; j < to; j++) {
            int b = j * k;
            for (int i = 0; i < m; i++) {
                int a = i * k;
                long ll = 0, lh = 0, h = 0;
                for (int t = 0; t < k; t++) {
                    long al = rowLo[a + t];
                    long bl = colLo[b + t];
                    long p = al * bl;
                    ll += p & LOW32;
                    lh += p >>> 32;
                    h += Math.multiplyHigh(al, bl) + rowHi[a + t] * bl + al * colHi[b + t];
                }
                store(ll, lh, h, outHi, outLo, i * n + j);
            }
        }
    }

    /** Writes {@code ll + lh * 2^32 + h * 2^64} mod 2^128. */
    private static void store(long ll, long lh, long h, long[] outHi, long[] outLo, int index) {
        long lo = ll + (lh << 32);
        long carry = Long.compareUnsigned(lo, ll) < 0 ? 1 : 0;
        outHi[index] = h + (lh >>> 32) + carry;
        outLo[index] = lo;
    }

    /** High word of the unsigned 64x64-bit product (Math.unsignedMultiplyHigh needs Java 18). */
    static long unsignedMultiplyHigh(long a, long b) {
        return Math.multiplyHigh(a, b) + ((a >> 63) & b) + ((b >> 63) & a);
    }

    @Override
    public void im2col(long[] hi, long[] lo, Conv2dGeometry g, long[] outHi, long[] outLo) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        int cols = g.columnCols();
        int k = g.kernel();
        for (int c = 0; c < g.channels(); c++) {
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    int row = (c * k + ky) * k + kx;
                    int out = row * cols;
                    for (int b = 0; b < g.batch(); b++) {
                        int plane = (b * g.channels() + c) * g.height();
                        for (int oy = 0; oy < oh; oy++) {
                            int y = oy * g.stride() - g.padding() + ky;
                            boolean rowInside = y >= 0 && y < g.height();
                            for (int ox = 0; ox < ow; ox++, out++) {
                                int x = ox * g.stride() - g.padding() + kx;
                                if (rowInside && x >= 0 && x < g.width()) {
                                    int src = (plane + y) * g.width() + x;
                                    outHi[out] = hi[src];
                                    outLo[out] = lo[src];
                                } else {
                                    outHi[out] = 0;
                                    outLo[out] = 0;
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    @Override
    public void col2im(long[] hi, long[] lo, Conv2dGeometry g, long[] outHi, long[] outLo) {
        int oh = g.outHeight();
        int ow = g.outWidth();
        int cols = g.columnCols();
        int k = g.kernel();
        java.util.Arrays.fill(outHi, 0, g.inputShape().size(), 0L);
        java.util.Arrays.fill(outLo, 0, g.inputShape().size(), 0L);
        for (int c = 0; c < g.channels(); c++) {
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    int in = ((c * k + ky) * k + kx) * cols;
                    for (int b = 0; b < g.batch(); b++) {
                        int plane = (b * g.channels() + c) * g.height();
                        for (int oy = 0; oy < oh; oy++) {
                            int y = oy * g.stride() - g.padding() + ky;
                            boolean rowInside = y >= 0 && y < g.height();
                            for (int ox = 0; ox < ow; ox++, in++) {
                                int x = ox * g.stride() - g.padding() + kx;
                                if (rowInside && x >= 0 && x < g.width()) {
                                    int dst = (plane + y) * g.width() + x;
                                    long l = outLo[dst] + lo[in];
                                    long carry = Long.compareUnsigned(l, outLo[dst]) < 0 ? 1 : 0;
                                    outHi[dst] += hi[in] + carry;
                                    outLo[dst] = l;
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
