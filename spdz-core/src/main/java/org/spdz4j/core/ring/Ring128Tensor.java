package org.spdz4j.core.ring;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * A row-major tensor of elements of Z_2^128, stored as two {@code long} words per element
 * ({@code hi}, {@code lo}; two's complement). Every operation returns a new tensor and wraps
 * mod 2^128; operations run on {@link RingBackends#current()}. A device backend may hold the
 * words on its device ({@link DeviceWords}); they are copied to the host the first time host
 * code reads them.
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
    // hi is written after lo, so a non-null hi publishes both
    private volatile long[] hi;
    private long[] lo;
    private DeviceWords device;

    private Ring128Tensor(Shape shape, long[] hi, long[] lo, DeviceWords device) {
        this.shape = shape;
        this.lo = lo;
        this.hi = hi;
        this.device = device;
    }

    /** All zeros, made by the current backend (on its device if it has one). */
    public static Ring128Tensor zeros(Shape shape) {
        return filled(shape, 0);
    }

    /** Every element equal to the sign-extended {@code value}, made by the current backend. */
    public static Ring128Tensor filled(Shape shape, long value) {
        return backend().filled(shape, value);
    }

    /**
     * The AES-128 counter-mode keystream under {@code key} from the 16-byte {@code counter}, one
     * block per element, made by the current backend (see {@link RingBackend#aesCounterWords}).
     */
    public static Ring128Tensor aesCounterWords(Shape shape, byte[] key, byte[] counter) {
        if (key == null || key.length != AesCounterWords.BLOCK_BYTES || counter == null
                || counter.length != AesCounterWords.BLOCK_BYTES) {
            throw new IllegalArgumentException("an AES-128 key and counter are " + AesCounterWords.BLOCK_BYTES
                    + " bytes each, got " + (key == null ? "null" : key.length) + " and "
                    + (counter == null ? "null" : counter.length));
        }
        return backend().aesCounterWords(shape, key, counter);
    }

    /** Wraps the given host words (no copy): the caller hands over ownership of both arrays. */
    public static Ring128Tensor wrap(Shape shape, long[] hi, long[] lo) {
        if (hi.length != shape.size() || lo.length != shape.size()) {
            throw new IllegalArgumentException("shape " + shape + " needs " + shape.size() + " words, got hi="
                    + hi.length + " lo=" + lo.length);
        }
        return new Ring128Tensor(shape, hi, lo, null);
    }

    /** A tensor whose words live on a device; for device backends. */
    public static Ring128Tensor onDevice(Shape shape, DeviceWords words) {
        return new Ring128Tensor(shape, null, null, words);
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
        return new Ring128Tensor(shape, hi, values.clone(), null);
    }

    /** The tensor's shape. */
    public Shape shape() {
        return shape;
    }

    /** The number of elements. */
    public int size() {
        return shape.size();
    }

    /** The high 64 bits of element {@code index}. */
    public long hi(int index) {
        return hiWords()[index];
    }

    /** The low 64 bits of element {@code index}. */
    public long lo(int index) {
        return loWords()[index];
    }

    /**
     * Writes every element to {@code out} as its high then its low 64 bits, big-endian: how
     * checkpoints and model share files store a tensor ({@link #read} reads it back).
     */
    public void write(java.io.DataOutput out) throws java.io.IOException {
        long[] h = hiWords();
        long[] l = loWords();
        for (int i = 0; i < h.length; i++) {
            out.writeLong(h[i]);
            out.writeLong(l[i]);
        }
    }

    /** A tensor of {@code shape} as {@link #write} wrote it. */
    public static Ring128Tensor read(java.io.DataInput in, Shape shape) throws java.io.IOException {
        int n = shape.size();
        long[] h = new long[n];
        long[] l = new long[n];
        for (int i = 0; i < n; i++) {
            h[i] = in.readLong();
            l[i] = in.readLong();
        }
        return wrap(shape, h, l);
    }

    /** The backing high words, copied from the device first if need be; read-only by convention. */
    public long[] hiWords() {
        long[] h = hi;
        return h != null ? h : materialise()[0];
    }

    /** The backing low words, copied from the device first if need be; read-only by convention. */
    public long[] loWords() {
        return hi != null ? lo : materialise()[1];
    }

    private synchronized long[][] materialise() {
        if (hi == null) {
            long[] h = new long[size()];
            long[] l = new long[size()];
            device.download(h, l);
            lo = l;
            hi = h;
        }
        return new long[][]{hi, lo};
    }

    /**
     * Writes elements {@code [first, first + count)} into {@code dst} at its position, planar
     * and little-endian: the {@code count} high words, then the {@code count} low words, 8 bytes
     * each; advances {@code dst} by {@code 16 * count} bytes. Words in native memory are copied
     * from there without passing through the heap ({@link DeviceWords#copyWords}).
     *
     * @throws IndexOutOfBoundsException when the range is outside the tensor or {@code dst} has
     *                                   too little room
     */
    public void writeWords(int first, int count, ByteBuffer dst) {
        java.util.Objects.checkFromIndexSize(first, count, size());
        if (dst.remaining() < 16L * count) {
            throw new IndexOutOfBoundsException(16L * count + " bytes into a buffer with " + dst.remaining() + " left");
        }
        DeviceWords d;
        synchronized (this) {
            d = hi == null ? device : null;
        }
        if (d != null && d.copyWords(first, count, dst)) {
            return;
        }
        ByteBuffer le = dst.slice().order(ByteOrder.LITTLE_ENDIAN);
        le.asLongBuffer().put(hiWords(), first, count).put(loWords(), first, count);
        dst.position(dst.position() + 16 * count);
    }

    /** Whether the words are (also) on the host, so reading them costs no copy. */
    public boolean isOnHost() {
        return hi != null;
    }

    /**
     * These words as a tensor on the host alone (copied back once where they are on a device), so
     * that what is done with it next runs on the host: a message to send, bits the host reads.
     */
    public Ring128Tensor hostOnly() {
        return deviceWords() == null ? this : wrap(shape, hiWords(), loWords());
    }

    /** The device copy of the words, or null. */
    public synchronized DeviceWords deviceWords() {
        return device;
    }

    /**
     * Records a device copy of this host tensor's words so a device backend uploads it once;
     * returns false (and records nothing) if it already has one.
     */
    public synchronized boolean attachDevice(DeviceWords words) {
        if (device != null) {
            return false;
        }
        device = words;
        return true;
    }

    /** The same elements as a tensor of {@code newShape} (same size; no copy). */
    public Ring128Tensor reshape(Shape newShape) {
        if (newShape.size() != shape.size()) {
            throw new IllegalArgumentException("cannot reshape " + shape + " to " + newShape);
        }
        synchronized (this) {
            return new Ring128Tensor(newShape, hi, lo, device);
        }
    }

    /**
     * The elements of {@code parts}, each flattened, one after another in a rank-1 tensor (for
     * sending several tensors as one message). {@link #slice} takes them apart again.
     */
    public static Ring128Tensor concat(java.util.List<Ring128Tensor> parts) {
        long total = 0;
        for (Ring128Tensor p : parts) {
            total += p.size();
        }
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("cannot concatenate " + total + " elements into one tensor");
        }
        return backend().concat(java.util.List.copyOf(parts), (int) total);
    }

    /** The {@code shape.size()} elements from flat position {@code offset}, as a tensor of {@code shape}. */
    public Ring128Tensor slice(int offset, Shape shape) {
        if (offset < 0 || (long) offset + shape.size() > size()) {
            throw new IllegalArgumentException("cannot take " + shape + " at offset " + offset + " of " + this.shape);
        }
        return backend().slice(this, offset, shape);
    }

    /**
     * A local rearrangement: element i of a tensor of {@code shape} is this tensor's element
     * {@code plus[i]} (0 where it is -1) minus its element {@code minus[i]} (nothing where it is
     * -1; {@code minus} may be null). A linear map, so it maps shares, masks and openings alike.
     *
     * <pre>{@code
     * Ring128Tensor d = x.map(Shape.of(2), new int[]{3, -1}, new int[]{0, 2});   // x[3] - x[0], -x[2]
     * }</pre>
     */
    public Ring128Tensor map(Shape shape, int[] plus, int[] minus) {
        if (plus.length != shape.size() || (minus != null && minus.length != plus.length)) {
            throw new IllegalArgumentException("map to " + shape + ": " + plus.length + " plus indices and "
                    + (minus == null ? "no" : minus.length) + " minus indices");
        }
        checkIndices(plus);
        if (minus != null) {
            checkIndices(minus);
        }
        return backend().map(this, plus, minus, shape);
    }

    private void checkIndices(int[] index) {
        int n = size();
        for (int i = 0; i < index.length; i++) {
            if (index[i] < -1 || index[i] >= n) {
                throw new IllegalArgumentException("map: index " + index[i] + " at " + i + " outside a tensor of " + n
                        + " elements");
            }
        }
    }

    /** Elementwise sum mod 2^128. */
    public Ring128Tensor add(Ring128Tensor other) {
        requireSameShape("add", other);
        return backend().add(this, other);
    }

    /** Elementwise difference mod 2^128. */
    public Ring128Tensor sub(Ring128Tensor other) {
        requireSameShape("subtract", other);
        return backend().sub(this, other);
    }

    /** Elementwise negation mod 2^128. */
    public Ring128Tensor negate() {
        return zeros(shape).sub(this);
    }

    /** Elementwise product. */
    public Ring128Tensor mul(Ring128Tensor other) {
        requireSameShape("multiply elementwise", other);
        return backend().mul(this, other);
    }

    /** Product with a public scalar (sign-extended). */
    public Ring128Tensor mulScalar(long scalar) {
        return mul(filled(shape, scalar));
    }

    /**
     * The elementwise Beaver combination {@code e * b + a * f + c}, plus the public
     * {@code e * f} when {@code withOpenedProduct}, in one pass; all six tensors of one shape.
     */
    public static Ring128Tensor beaverElementwise(boolean withOpenedProduct, Ring128Tensor e, Ring128Tensor f,
                                                  Ring128Tensor a, Ring128Tensor b, Ring128Tensor c) {
        for (Ring128Tensor t : new Ring128Tensor[]{f, a, b, c}) {
            e.requireSameShape("combine a Beaver product of", t);
        }
        return backend().beaverElementwise(withOpenedProduct, e, f, a, b, c);
    }

    /**
     * Per element i, {@code ifZero}'s element where bit i of {@code bits} (bit {@code i & 63} of
     * word {@code i >>> 6}) is 0 and {@code ifOne}'s where it is 1.
     *
     * <pre>{@code
     * Ring128Tensor r = Ring128Tensor.select(new long[]{0b10}, zeros, ones);   // r[0] = zeros[0], r[1] = ones[1]
     * }</pre>
     */
    public static Ring128Tensor select(long[] bits, Ring128Tensor ifZero, Ring128Tensor ifOne) {
        ifZero.requireSameShape("select between", ifOne);
        if (64L * bits.length < ifZero.size()) {
            throw new IllegalArgumentException("select: " + bits.length + " words of bits for " + ifZero.size()
                    + " elements");
        }
        return backend().select(bits, ifZero, ifOne);
    }

    /** Arithmetic right shift: floor division by 2^bits of the signed value. */
    public Ring128Tensor shiftRight(int bits) {
        return backend().shiftRight(this, checkShift(bits));
    }

    /** Each element's low {@code bits} bits (1 to 128), the bits above cleared. */
    public Ring128Tensor lowBits(int bits) {
        if (bits < 1 || bits > 128) {
            throw new IllegalArgumentException("low bits must be 1 to 128, got " + bits);
        }
        long hi = bits >= 128 ? -1L : bits > 64 ? (1L << (bits - 64)) - 1 : 0;
        long lo = bits >= 64 ? -1L : (1L << bits) - 1;
        return backend().and(this, hi, lo);
    }

    /**
     * The tensor with its 64-bit words {@code [from, to)} cleared, word {@code 2i} the low word
     * of element i and {@code 2i + 1} its high word: a row of bit words stored two to an element.
     */
    public Ring128Tensor clearWords(long from, long to) {
        if (from < 0 || to < from || to > 2L * size()) {
            throw new IllegalArgumentException("words [" + from + ", " + to + ") of a tensor of " + 2L * size() + " words");
        }
        return backend().clearWords(this, from, to);
    }

    /**
     * The n signed integers held in {@code rows} (1 to 64) bit-sliced rows of this tensor from
     * its word {@code firstWord} on (see {@link RingBackend#fromBitRows}), as a tensor of n.
     */
    public Ring128Tensor fromBitRows(long firstWord, int rows, int n) {
        long w = (n + 63L) >>> 6;
        if (rows < 1 || rows > 64 || n < 1 || firstWord < 0 || firstWord + rows * w > 2L * size()) {
            throw new IllegalArgumentException(rows + " bit rows of " + n + " elements from word " + firstWord
                    + " of a tensor of " + 2L * size() + " words");
        }
        return backend().fromBitRows(this, firstWord, rows, n);
    }

    /**
     * Rows {@code 0 .. rows-1} (1 to 128) of the bits of the elements, bit-sliced (see
     * {@link RingBackend#bitRows}): {@code rows * ceil(n / 64)} words.
     */
    public long[] bitRows(int rows) {
        if (rows < 1 || rows > 128) {
            throw new IllegalArgumentException("bit rows must be 1 to 128, not " + rows);
        }
        return backend().bitRows(this, rows);
    }

    /**
     * The low {@code bits} bits (1 to 128) of each element packed in a stream (see
     * {@link RingBackend#packLowBits}): a rank-1 tensor of {@link #packedSize} elements.
     */
    public Ring128Tensor packLowBits(int bits) {
        checkFieldBits(bits);
        return backend().packLowBits(this, bits);
    }

    /**
     * Each element plus the field of {@code bits} bits that {@code packed} (of
     * {@link #packedSize} elements) holds for it, sign-extended from bit {@code bits - 1}.
     */
    public Ring128Tensor addPacked(Ring128Tensor packed, int bits) {
        checkFieldBits(bits);
        if (packed.size() != packedSize(size(), bits)) {
            throw new IllegalArgumentException(packed.size() + " packed elements for " + size() + " fields of " + bits
                    + " bits, which take " + packedSize(size(), bits));
        }
        return backend().addPacked(this, packed, bits);
    }

    /** Ring elements that carry {@code n} fields of {@code bits} bits: {@code ceil(n bits / 128)}. */
    public static int packedSize(int n, int bits) {
        return PackedBits.packedSize(n, bits);
    }

    private static void checkFieldBits(int bits) {
        if (bits < 1 || bits > 128) {
            throw new IllegalArgumentException("a packed field takes 1 to 128 bits, not " + bits);
        }
    }

    /**
     * A bit per element (bit {@code i % 64} of word {@code i / 64}), set where the element, as a
     * signed integer, lies outside {@code [low, high)} (signed 128-bit bounds as high and low words).
     */
    public long[] outside(long lowHi, long lowLo, long highHi, long highLo) {
        return backend().outside(this, lowHi, lowLo, highHi, highLo);
    }

    /** Multiplication by 2^bits. */
    public Ring128Tensor shiftLeft(int bits) {
        return backend().shiftLeft(this, checkShift(bits));
    }

    private static int checkShift(int bits) {
        if (bits < 0 || bits > 127) {
            throw new IllegalArgumentException("shift must be in [0, 127], got " + bits);
        }
        return bits;
    }

    /**
     * Matrix product of two rank-2 tensors, {@code op(this) * op(other)} where {@code op}
     * transposes when the flag is set.
     */
    public Ring128Tensor matmul(Ring128Tensor other, boolean transThis, boolean transOther) {
        Shape out = matmulShape(shape, other.shape, transThis, transOther);
        return backend().matmul(this, transThis, other, transOther, out);
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
        return backend().sumPool(this, k, sumPoolShape(shape, k));
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
        return backend().repeat(this, k, Shape.of(shape.dim(0), shape.dim(1), shape.dim(2) * k, shape.dim(3) * k));
    }

    /** Unfolds this NCHW batch into the {@code (C*k*k) x (N*OH*OW)} matrix of {@code g}. */
    public Ring128Tensor im2col(Conv2dGeometry g) {
        if (!shape.equals(g.inputShape())) {
            throw new IllegalArgumentException("im2col geometry expects input " + g.inputShape() + ", got " + shape);
        }
        return backend().im2col(this, g);
    }

    /** Folds a column matrix of {@code g} back into an NCHW batch, adding overlaps. */
    public Ring128Tensor col2im(Conv2dGeometry g) {
        if (!shape.equals(g.columnShape())) {
            throw new IllegalArgumentException("col2im geometry expects columns " + g.columnShape() + ", got " + shape);
        }
        return backend().col2im(this, g);
    }

    /** Swaps the first two axes of a rank-4 tensor: (A, B, H, W) to (B, A, H, W). */
    public Ring128Tensor swapLeadingAxes() {
        if (shape.rank() != 4) {
            throw new IllegalArgumentException("swapLeadingAxes needs a rank-4 tensor, got " + shape);
        }
        return backend().swapLeadingAxes(this);
    }

    /** Sums of each row of a rank-2 tensor: (N, F) to (N). */
    public Ring128Tensor rowSums() {
        requireRank2("rowSums");
        return backend().rowSums(this);
    }

    /** Sums of each column of a rank-2 tensor: (N, F) to (F). */
    public Ring128Tensor columnSums() {
        requireRank2("columnSums");
        Ring128Tensor ones = filled(Shape.of(1, shape.dim(0)), 1);
        return ones.matmul(this, false, false).reshape(Shape.of(shape.dim(1)));
    }

    /** Each element of this rank-1 tensor (N) repeated across {@code columns}: (N, columns). */
    public Ring128Tensor broadcastColumns(int columns) {
        requireRank1("broadcastColumns");
        return backend().broadcastColumns(this, columns);
    }

    /** This rank-1 tensor (F) repeated as each of {@code rows} rows: (rows, F). */
    public Ring128Tensor broadcastRows(int rows) {
        requireRank1("broadcastRows");
        return backend().broadcastRows(this, rows);
    }

    private void requireRank1(String what) {
        if (shape.rank() != 1) {
            throw new IllegalArgumentException(what + " needs a rank-1 tensor, got " + shape);
        }
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
        if (this == o) {
            return true;
        }
        if (!(o instanceof Ring128Tensor t) || !shape.equals(t.shape)) {
            return false;
        }
        DeviceWords words = deviceWords();
        if (words != null && words == t.deviceWords()) { // the same words (a reshape): equal without copying them back
            return true;
        }
        return Arrays.equals(hiWords(), t.hiWords()) && Arrays.equals(loWords(), t.loWords());
    }

    @Override
    public int hashCode() {
        return shape.hashCode() * 31 + Arrays.hashCode(loWords());
    }

    @Override
    public String toString() {
        return "Ring128Tensor" + shape;
    }
}
