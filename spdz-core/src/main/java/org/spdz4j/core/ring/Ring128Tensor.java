package org.spdz4j.core.ring;

import java.util.Arrays;

/**
 * A row-major tensor of elements of Z_2^128, stored as two {@code long[]} words per element
 * ({@code hi}, {@code lo}; two's complement). Every operation returns a new tensor and wraps
 * mod 2^128; kernels run on {@link RingBackends#current()}.
 *
 * <p>{@link #toString()} never prints elements: a tensor is usually a secret share.
 *
 * <pre>{@code
 * Ring128Tensor a = Ring128Tensor.ofLongs(Shape.of(2, 2), 1, 2, 3, 4);
 * Ring128Tensor b = a.matmul(a, false, false).add(a).shiftRight(1);
 * }</pre>
 */
public final class Ring128Tensor {
    private final Shape shape;
    private final long[] hi;
    private final long[] lo;

    private Ring128Tensor(Shape shape, long[] hi, long[] lo) {
        this.shape = shape;
        this.hi = hi;
        this.lo = lo;
    }

    public static Ring128Tensor zeros(Shape shape) {
        return new Ring128Tensor(shape, new long[shape.size()], new long[shape.size()]);
    }

    /** Wraps the given words (no copy): the caller hands over ownership of both arrays. */
    public static Ring128Tensor wrap(Shape shape, long[] hi, long[] lo) {
        if (hi.length != shape.size() || lo.length != shape.size()) {
            throw new IllegalArgumentException("shape " + shape + " needs " + shape.size() + " words, got hi="
                    + hi.length + " lo=" + lo.length);
        }
        return new Ring128Tensor(shape, hi, lo);
    }

    /** Signed 64-bit values, sign-extended into the ring. */
    public static Ring128Tensor ofLongs(Shape shape, long... values) {
        if (values.length != shape.size()) {
            throw new IllegalArgumentException("shape " + shape + " needs " + shape.size() + " values, got " + values.length);
        }
        long[] hi = new long[values.length];
        for (int i = 0; i < values.length; i++) {
            hi[i] = values[i] >> 63;
        }
        return new Ring128Tensor(shape, hi, values.clone());
    }

    /** Every element equal to the sign-extended {@code value}. */
    public static Ring128Tensor filled(Shape shape, long value) {
        long[] hi = new long[shape.size()];
        long[] lo = new long[shape.size()];
        Arrays.fill(hi, value >> 63);
        Arrays.fill(lo, value);
        return new Ring128Tensor(shape, hi, lo);
    }

    public Shape shape() {
        return shape;
    }

    public int size() {
        return shape.size();
    }

    public long hi(int index) {
        return hi[index];
    }

    public long lo(int index) {
        return lo[index];
    }

    /** The backing high words; read-only by convention (for transports and native kernels). */
    public long[] hiWords() {
        return hi;
    }

    /** The backing low words; read-only by convention (for transports and native kernels). */
    public long[] loWords() {
        return lo;
    }

    public Ring128Tensor reshape(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " to " + newShape);
        }
        return new Ring128Tensor(newShape, hi, lo);
    }

    public Ring128Tensor add(Ring128Tensor other) {
        requireSameShape("add", other);
        Ring128Tensor out = zeros(shape);
        backend().add(hi, lo, other.hi, other.lo, out.hi, out.lo, size());
        return out;
    }

    public Ring128Tensor sub(Ring128Tensor other) {
        requireSameShape("subtract", other);
        Ring128Tensor out = zeros(shape);
        backend().sub(hi, lo, other.hi, other.lo, out.hi, out.lo, size());
        return out;
    }

    public Ring128Tensor negate() {
        return zeros(shape).sub(this);
    }

    /** Elementwise product. */
    public Ring128Tensor mul(Ring128Tensor other) {
        requireSameShape("multiply elementwise", other);
        Ring128Tensor out = zeros(shape);
        backend().mul(hi, lo, other.hi, other.lo, out.hi, out.lo, size());
        return out;
    }

    /** Product with a public scalar (sign-extended). */
    public Ring128Tensor mulScalar(long scalar) {
        return mul(filled(shape, scalar));
    }

    /** Arithmetic right shift: floor division by 2^bits of the signed value. */
    public Ring128Tensor shiftRight(int bits) {
        Ring128Tensor out = zeros(shape);
        backend().shiftRight(hi, lo, bits, out.hi, out.lo, size());
        return out;
    }

    /** Multiplication by 2^bits. */
    public Ring128Tensor shiftLeft(int bits) {
        if (bits < 0 || bits > 127) {
            throw new IllegalArgumentException("shift must be in [0, 127], got " + bits);
        }
        long[] outHi = new long[size()];
        long[] outLo = new long[size()];
        for (int i = 0; i < size(); i++) {
            if (bits == 0) {
                outHi[i] = hi[i];
                outLo[i] = lo[i];
            } else if (bits < 64) {
                outHi[i] = (hi[i] << bits) | (lo[i] >>> (64 - bits));
                outLo[i] = lo[i] << bits;
            } else {
                outHi[i] = lo[i] << (bits - 64);
            }
        }
        return new Ring128Tensor(shape, outHi, outLo);
    }

    /**
     * Matrix product of two rank-2 tensors, {@code op(this) * op(other)} where {@code op}
     * transposes when the flag is set.
     */
    public Ring128Tensor matmul(Ring128Tensor other, boolean transThis, boolean transOther) {
        Shape out = matmulShape(shape, other.shape, transThis, transOther);
        int k = transThis ? shape.dim(0) : shape.dim(1);
        Ring128Tensor result = zeros(out);
        backend().matmul(hi, lo, transThis, other.hi, other.lo, transOther, out.dim(0), k, out.dim(1),
                result.hi, result.lo);
        return result;
    }

    /** Shape of {@code op(a) * op(b)}, or an exception naming both shapes. */
    public static Shape matmulShape(Shape a, Shape b, boolean transA, boolean transB) {
        if (a.rank() != 2 || b.rank() != 2) {
            throw new IllegalArgumentException("matmul needs rank-2 operands, got " + a + " and " + b);
        }
        int m = transA ? a.dim(1) : a.dim(0);
        int ka = transA ? a.dim(0) : a.dim(1);
        int kb = transB ? b.dim(1) : b.dim(0);
        int n = transB ? b.dim(0) : b.dim(1);
        if (ka != kb) {
            throw new IllegalArgumentException("matmul inner dimensions differ: " + a + (transA ? "^T" : "")
                    + " times " + b + (transB ? "^T" : "") + " (" + ka + " vs " + kb + ")");
        }
        return Shape.of(m, n);
    }

    /** Sum of each non-overlapping {@code k x k} window of an NCHW tensor. */
    public Ring128Tensor sumPool(int k) {
        Shape out = sumPoolShape(shape, k);
        int n = shape.dim(0) * shape.dim(1);
        int h = shape.dim(2);
        int w = shape.dim(3);
        int oh = out.dim(2);
        int ow = out.dim(3);
        long[] outHi = new long[out.size()];
        long[] outLo = new long[out.size()];
        for (int p = 0; p < n; p++) {
            for (int y = 0; y < h; y++) {
                int src = (p * h + y) * w;
                int dstRow = (p * oh + y / k) * ow;
                for (int x = 0; x < w; x++) {
                    int dst = dstRow + x / k;
                    long l = outLo[dst] + lo[src + x];
                    outHi[dst] += hi[src + x] + (Long.compareUnsigned(l, outLo[dst]) < 0 ? 1 : 0);
                    outLo[dst] = l;
                }
            }
        }
        return new Ring128Tensor(out, outHi, outLo);
    }

    /** Shape after {@link #sumPool}, or an exception if the spatial sizes are not multiples of k. */
    public static Shape sumPoolShape(Shape in, int k) {
        if (in.rank() != 4 || k <= 0 || in.dim(2) % k != 0 || in.dim(3) % k != 0) {
            throw new IllegalArgumentException("pooling " + k + "x" + k + " needs an N,C,H,W tensor with H and W "
                    + "divisible by " + k + ", got " + in);
        }
        return Shape.of(in.dim(0), in.dim(1), in.dim(2) / k, in.dim(3) / k);
    }

    /** Adjoint of {@link #sumPool}: each element repeated over a {@code k x k} window. */
    public Ring128Tensor repeat(int k) {
        if (shape.rank() != 4 || k <= 0) {
            throw new IllegalArgumentException("repeat " + k + " needs an N,C,H,W tensor, got " + shape);
        }
        Shape out = Shape.of(shape.dim(0), shape.dim(1), shape.dim(2) * k, shape.dim(3) * k);
        int planes = shape.dim(0) * shape.dim(1);
        int h = out.dim(2);
        int w = out.dim(3);
        long[] outHi = new long[out.size()];
        long[] outLo = new long[out.size()];
        for (int p = 0; p < planes; p++) {
            for (int y = 0; y < h; y++) {
                int dst = (p * h + y) * w;
                int srcRow = (p * shape.dim(2) + y / k) * shape.dim(3);
                for (int x = 0; x < w; x++) {
                    outHi[dst + x] = hi[srcRow + x / k];
                    outLo[dst + x] = lo[srcRow + x / k];
                }
            }
        }
        return new Ring128Tensor(out, outHi, outLo);
    }

    /** Unfolds this NCHW batch into the {@code (C*k*k) x (N*OH*OW)} matrix of {@code g}. */
    public Ring128Tensor im2col(Conv2dGeometry g) {
        if (!shape.equals(g.inputShape())) {
            throw new IllegalArgumentException("im2col geometry expects input " + g.inputShape() + ", got " + shape);
        }
        Ring128Tensor out = zeros(g.columnShape());
        backend().im2col(hi, lo, g, out.hi, out.lo);
        return out;
    }

    /** Folds a column matrix of {@code g} back into an NCHW batch, adding overlaps. */
    public Ring128Tensor col2im(Conv2dGeometry g) {
        if (!shape.equals(g.columnShape())) {
            throw new IllegalArgumentException("col2im geometry expects columns " + g.columnShape() + ", got " + shape);
        }
        Ring128Tensor out = zeros(g.inputShape());
        backend().col2im(hi, lo, g, out.hi, out.lo);
        return out;
    }

    /** Swaps the first two axes of a rank-4 tensor: (A, B, H, W) to (B, A, H, W). */
    public Ring128Tensor swapLeadingAxes() {
        if (shape.rank() != 4) {
            throw new IllegalArgumentException("swapLeadingAxes needs a rank-4 tensor, got " + shape);
        }
        int a = shape.dim(0);
        int b = shape.dim(1);
        int plane = shape.dim(2) * shape.dim(3);
        long[] outHi = new long[size()];
        long[] outLo = new long[size()];
        for (int i = 0; i < a; i++) {
            for (int j = 0; j < b; j++) {
                int src = (i * b + j) * plane;
                int dst = (j * a + i) * plane;
                System.arraycopy(hi, src, outHi, dst, plane);
                System.arraycopy(lo, src, outLo, dst, plane);
            }
        }
        return new Ring128Tensor(Shape.of(b, a, shape.dim(2), shape.dim(3)), outHi, outLo);
    }

    /** Sums of each row of a rank-2 tensor: (N, F) to (N). */
    public Ring128Tensor rowSums() {
        requireRank2("rowSums");
        int rows = shape.dim(0);
        int cols = shape.dim(1);
        Ring128Tensor out = zeros(Shape.of(rows));
        for (int r = 0; r < rows; r++) {
            long h = 0;
            long l = 0;
            for (int c = r * cols; c < (r + 1) * cols; c++) {
                long s = l + lo[c];
                h += hi[c] + (Long.compareUnsigned(s, l) < 0 ? 1 : 0);
                l = s;
            }
            out.hi[r] = h;
            out.lo[r] = l;
        }
        return out;
    }

    /** Sums of each column of a rank-2 tensor: (N, F) to (F). */
    public Ring128Tensor columnSums() {
        requireRank2("columnSums");
        int rows = shape.dim(0);
        int cols = shape.dim(1);
        Ring128Tensor ones = filled(Shape.of(1, rows), 1);
        return ones.matmul(this, false, false).reshape(Shape.of(cols));
    }

    /** Each element of this rank-1 tensor (N) repeated across {@code columns}: (N, columns). */
    public Ring128Tensor broadcastColumns(int columns) {
        if (shape.rank() != 1) {
            throw new IllegalArgumentException("broadcastColumns needs a rank-1 tensor, got " + shape);
        }
        int rows = shape.dim(0);
        long[] outHi = new long[rows * columns];
        long[] outLo = new long[rows * columns];
        for (int r = 0; r < rows; r++) {
            Arrays.fill(outHi, r * columns, (r + 1) * columns, hi[r]);
            Arrays.fill(outLo, r * columns, (r + 1) * columns, lo[r]);
        }
        return new Ring128Tensor(Shape.of(rows, columns), outHi, outLo);
    }

    /** This rank-1 tensor (F) repeated as each of {@code rows} rows: (rows, F). */
    public Ring128Tensor broadcastRows(int rows) {
        if (shape.rank() != 1) {
            throw new IllegalArgumentException("broadcastRows needs a rank-1 tensor, got " + shape);
        }
        int cols = shape.dim(0);
        long[] outHi = new long[rows * cols];
        long[] outLo = new long[rows * cols];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(hi, 0, outHi, r * cols, cols);
            System.arraycopy(lo, 0, outLo, r * cols, cols);
        }
        return new Ring128Tensor(Shape.of(rows, cols), outHi, outLo);
    }

    private void requireRank2(String what) {
        if (shape.rank() != 2) {
            throw new IllegalArgumentException(what + " needs a rank-2 tensor, got " + shape);
        }
    }

    private void requireSameShape(String what, Ring128Tensor other) {
        if (!shape.equals(other.shape)) {
            throw new IllegalArgumentException("cannot " + what + " tensors of shapes " + shape + " and " + other.shape);
        }
    }

    private static RingBackend backend() {
        return RingBackends.current();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ring128Tensor t && shape.equals(t.shape) && Arrays.equals(hi, t.hi) && Arrays.equals(lo, t.lo);
    }

    @Override
    public int hashCode() {
        return shape.hashCode() * 31 + Arrays.hashCode(lo);
    }

    @Override
    public String toString() {
        return "Ring128Tensor" + shape;
    }
}
