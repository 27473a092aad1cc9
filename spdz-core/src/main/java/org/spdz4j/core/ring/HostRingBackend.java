package org.spdz4j.core.ring;

import java.util.Arrays;

/**
 * A backend that computes on host memory: subclasses supply the heavy kernels on
 * structure-of-arrays words (element {@code i} is {@code hi[i] * 2^64 + (lo[i] unsigned)});
 * the data movement (pooling, broadcasting, axis swaps) is done here in Java.
 *
 * <pre>{@code
 * class MyBackend extends HostRingBackend { ... the seven array kernels ... }
 * RingBackends.use(new MyBackend());
 * }</pre>
 */
public abstract class HostRingBackend implements RingBackend {

    /** {@code out = a + b} on n elements. */
    public abstract void add(long[] aHi, long[] aLo, long[] bHi, long[] bLo, long[] outHi, long[] outLo, int n);

    /** {@code out = a - b} on n elements. */
    public abstract void sub(long[] aHi, long[] aLo, long[] bHi, long[] bLo, long[] outHi, long[] outLo, int n);

    /** Elementwise product mod 2^128. */
    public abstract void mul(long[] aHi, long[] aLo, long[] bHi, long[] bLo, long[] outHi, long[] outLo, int n);

    /** Arithmetic right shift by {@code bits} in [0, 127]; outputs may alias inputs. */
    public abstract void shiftRight(long[] hi, long[] lo, int bits, long[] outHi, long[] outLo, int n);

    /** {@code out (m x n) = op(a) * op(b)}; see {@link RingBackend#matmul}. {@code out} must not alias. */
    public abstract void matmul(long[] aHi, long[] aLo, boolean transA, long[] bHi, long[] bLo, boolean transB,
                                int m, int k, int n, long[] outHi, long[] outLo);

    /** The im2col matrix of an image, for geometry {@code g}. */
    public abstract void im2col(long[] hi, long[] lo, Conv2dGeometry g, long[] outHi, long[] outLo);

    /** The adjoint of {@link #im2col}: columns summed back into an image. */
    public abstract void col2im(long[] hi, long[] lo, Conv2dGeometry g, long[] outHi, long[] outLo);

    /** Elementwise Beaver combination on words; see {@link RingBackend#beaverElementwise}. */
    public void beaverElementwise(boolean withOpenedProduct, long[][] e, long[][] f, long[][] a, long[][] b, long[][] c,
                                  long[] outHi, long[] outLo, int n) {
        long[] tHi = new long[n];
        long[] tLo = new long[n];
        if (withOpenedProduct) {
            add(f[0], f[1], b[0], b[1], tHi, tLo, n);
            mul(e[0], e[1], tHi, tLo, outHi, outLo, n);
        } else {
            mul(e[0], e[1], b[0], b[1], outHi, outLo, n);
        }
        mul(a[0], a[1], f[0], f[1], tHi, tLo, n);
        add(outHi, outLo, tHi, tLo, outHi, outLo, n);
        add(outHi, outLo, c[0], c[1], outHi, outLo, n);
    }

    @Override
    public Ring128Tensor filled(Shape shape, long value) {
        long[] hi = new long[shape.size()];
        long[] lo = new long[shape.size()];
        if (value != 0) {
            Arrays.fill(hi, value >> 63);
            Arrays.fill(lo, value);
        }
        return Ring128Tensor.wrap(shape, hi, lo);
    }

    @Override
    public Ring128Tensor add(Ring128Tensor a, Ring128Tensor b) {
        Out o = new Out(a.shape());
        add(a.hiWords(), a.loWords(), b.hiWords(), b.loWords(), o.hi, o.lo, a.size());
        return o.tensor();
    }

    @Override
    public Ring128Tensor sub(Ring128Tensor a, Ring128Tensor b) {
        Out o = new Out(a.shape());
        sub(a.hiWords(), a.loWords(), b.hiWords(), b.loWords(), o.hi, o.lo, a.size());
        return o.tensor();
    }

    @Override
    public Ring128Tensor mul(Ring128Tensor a, Ring128Tensor b) {
        Out o = new Out(a.shape());
        mul(a.hiWords(), a.loWords(), b.hiWords(), b.loWords(), o.hi, o.lo, a.size());
        return o.tensor();
    }

    @Override
    public Ring128Tensor beaverElementwise(boolean withOpenedProduct, Ring128Tensor e, Ring128Tensor f, Ring128Tensor a,
                                           Ring128Tensor b, Ring128Tensor c) {
        Out o = new Out(e.shape());
        beaverElementwise(withOpenedProduct, words(e), words(f), words(a), words(b), words(c), o.hi, o.lo, e.size());
        return o.tensor();
    }

    private static long[][] words(Ring128Tensor t) {
        return new long[][]{t.hiWords(), t.loWords()};
    }

    @Override
    public Ring128Tensor shiftRight(Ring128Tensor a, int bits) {
        Out o = new Out(a.shape());
        shiftRight(a.hiWords(), a.loWords(), bits, o.hi, o.lo, a.size());
        return o.tensor();
    }

    @Override
    public Ring128Tensor shiftLeft(Ring128Tensor a, int bits) {
        long[] hi = a.hiWords();
        long[] lo = a.loWords();
        Out o = new Out(a.shape());
        for (int i = 0; i < a.size(); i++) {
            if (bits == 0) {
                o.hi[i] = hi[i];
                o.lo[i] = lo[i];
            } else if (bits < 64) {
                o.hi[i] = (hi[i] << bits) | (lo[i] >>> (64 - bits));
                o.lo[i] = lo[i] << bits;
            } else {
                o.hi[i] = lo[i] << (bits - 64);
            }
        }
        return o.tensor();
    }

    @Override
    public Ring128Tensor matmul(Ring128Tensor a, boolean transA, Ring128Tensor b, boolean transB, Shape out) {
        int k = transA ? a.shape().dim(0) : a.shape().dim(1);
        Out o = new Out(out);
        matmul(a.hiWords(), a.loWords(), transA, b.hiWords(), b.loWords(), transB, out.dim(0), k, out.dim(1), o.hi, o.lo);
        return o.tensor();
    }

    @Override
    public Ring128Tensor im2col(Ring128Tensor a, Conv2dGeometry g) {
        Out o = new Out(g.columnShape());
        im2col(a.hiWords(), a.loWords(), g, o.hi, o.lo);
        return o.tensor();
    }

    @Override
    public Ring128Tensor col2im(Ring128Tensor a, Conv2dGeometry g) {
        Out o = new Out(g.inputShape());
        col2im(a.hiWords(), a.loWords(), g, o.hi, o.lo);
        return o.tensor();
    }

    @Override
    public Ring128Tensor sumPool(Ring128Tensor a, int k, Shape out) {
        Shape in = a.shape();
        long[] hi = a.hiWords();
        long[] lo = a.loWords();
        int planes = in.dim(0) * in.dim(1);
        int h = in.dim(2);
        int w = in.dim(3);
        Out o = new Out(out);
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < h; y++) {
                int src = (p * h + y) * w;
                int dstRow = (p * out.dim(2) + y / k) * out.dim(3);
                for (int x = 0; x < w; x++) {
                    int dst = dstRow + x / k;
                    long l = o.lo[dst] + lo[src + x];
                    o.hi[dst] += hi[src + x] + (Long.compareUnsigned(l, o.lo[dst]) < 0 ? 1 : 0);
                    o.lo[dst] = l;
                }
            }
        }
        return o.tensor();
    }

    @Override
    public Ring128Tensor repeat(Ring128Tensor a, int k, Shape out) {
        Shape in = a.shape();
        long[] hi = a.hiWords();
        long[] lo = a.loWords();
        int planes = out.dim(0) * out.dim(1);
        int h = out.dim(2);
        int w = out.dim(3);
        Out o = new Out(out);
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < h; y++) {
                int dst = (p * h + y) * w;
                int srcRow = (p * in.dim(2) + y / k) * in.dim(3);
                for (int x = 0; x < w; x++) {
                    o.hi[dst + x] = hi[srcRow + x / k];
                    o.lo[dst + x] = lo[srcRow + x / k];
                }
            }
        }
        return o.tensor();
    }

    @Override
    public Ring128Tensor swapLeadingAxes(Ring128Tensor a) {
        Shape in = a.shape();
        long[] hi = a.hiWords();
        long[] lo = a.loWords();
        int na = in.dim(0);
        int nb = in.dim(1);
        int plane = in.dim(2) * in.dim(3);
        Out o = new Out(Shape.of(nb, na, in.dim(2), in.dim(3)));
        for (int i = 0; i < na; i++) {
            for (int j = 0; j < nb; j++) {
                int src = (i * nb + j) * plane;
                int dst = (j * na + i) * plane;
                System.arraycopy(hi, src, o.hi, dst, plane);
                System.arraycopy(lo, src, o.lo, dst, plane);
            }
        }
        return o.tensor();
    }

    @Override
    public Ring128Tensor rowSums(Ring128Tensor a) {
        long[] hi = a.hiWords();
        long[] lo = a.loWords();
        int rows = a.shape().dim(0);
        int cols = a.shape().dim(1);
        Out o = new Out(Shape.of(rows));
        for (int r = 0; r < rows; r++) {
            long h = 0;
            long l = 0;
            for (int c = r * cols; c < (r + 1) * cols; c++) {
                long s = l + lo[c];
                h += hi[c] + (Long.compareUnsigned(s, l) < 0 ? 1 : 0);
                l = s;
            }
            o.hi[r] = h;
            o.lo[r] = l;
        }
        return o.tensor();
    }

    @Override
    public Ring128Tensor broadcastColumns(Ring128Tensor a, int columns) {
        long[] hi = a.hiWords();
        long[] lo = a.loWords();
        int rows = a.shape().dim(0);
        Out o = new Out(Shape.of(rows, columns));
        for (int r = 0; r < rows; r++) {
            Arrays.fill(o.hi, r * columns, (r + 1) * columns, hi[r]);
            Arrays.fill(o.lo, r * columns, (r + 1) * columns, lo[r]);
        }
        return o.tensor();
    }

    @Override
    public Ring128Tensor broadcastRows(Ring128Tensor a, int rows) {
        long[] hi = a.hiWords();
        long[] lo = a.loWords();
        int cols = a.shape().dim(0);
        Out o = new Out(Shape.of(rows, cols));
        for (int r = 0; r < rows; r++) {
            System.arraycopy(hi, 0, o.hi, r * cols, cols);
            System.arraycopy(lo, 0, o.lo, r * cols, cols);
        }
        return o.tensor();
    }

    /** Fresh zeroed output words of one shape. */
    private static final class Out {
        final Shape shape;
        final long[] hi;
        final long[] lo;

        Out(Shape shape) {
            this.shape = shape;
            this.hi = new long[shape.size()];
            this.lo = new long[shape.size()];
        }

        Ring128Tensor tensor() {
            return Ring128Tensor.wrap(shape, hi, lo);
        }
    }
}
