package org.spdz4j.core.ring;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.spdz4j.core.testing.RingTestSupport.big;
import static org.spdz4j.core.testing.RingTestSupport.bigs;
import static org.spdz4j.core.testing.RingTestSupport.fromBigs;
import static org.spdz4j.core.testing.RingTestSupport.randomWithEdges;
import static org.spdz4j.core.testing.RingTestSupport.signed;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.function.BinaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.testing.RingTestSupport;

class Ring128TensorTest {
    private static final BigInteger M = RingTestSupport.MODULUS;
    private final AesCtrPrg prg = RingTestSupport.prg(1);
    private final RingBackend original = RingBackends.current();

    @AfterEach
    void restoreBackend() {
        RingBackends.use(original);
    }

    @Test
    void mapTakesPlusMinusElementsAndRefusesIndicesOutside() {
        Ring128Tensor a = randomWithEdges(prg, Shape.of(5), 42);
        Ring128Tensor m = a.map(Shape.of(4), new int[]{4, -1, 0, -1}, new int[]{1, 2, -1, -1});
        BigInteger[] x = bigs(a);
        BigInteger[] expected = {x[4].subtract(x[1]), x[2].negate(), x[0], BigInteger.ZERO};
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i].mod(RingTestSupport.MODULUS), big(m, i), "element " + i);
        }
        assertEquals(a.slice(0, Shape.of(3)), a.map(Shape.of(3), new int[]{0, 1, 2}, null));
        assertThrows(IllegalArgumentException.class, () -> a.map(Shape.of(1), new int[]{5}, null));
        assertThrows(IllegalArgumentException.class, () -> a.map(Shape.of(1), new int[]{0}, new int[]{-2}));
        assertThrows(IllegalArgumentException.class, () -> a.map(Shape.of(2), new int[]{0}, null));
    }

    @Test
    void selectTakesEachElementFromTheTensorItsBitNames() {
        Shape s = Shape.of(130);
        Ring128Tensor a = randomWithEdges(prg, s, 40);
        Ring128Tensor b = randomWithEdges(prg, s, 41);
        long[] bits = {0x8000_0000_0000_0001L, 0, 0b10};   // elements 0, 63 and 129 from b
        Ring128Tensor r = Ring128Tensor.select(bits, a, b);
        for (int i = 0; i < s.size(); i++) {
            Ring128Tensor from = i == 0 || i == 63 || i == 129 ? b : a;
            assertEquals(big(from, i), big(r, i), "element " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> Ring128Tensor.select(new long[2], a, b), "too few bits");
        assertThrows(IllegalArgumentException.class, () -> Ring128Tensor.select(bits, a, b.reshape(Shape.of(2, 65))));
    }

    @Test
    void elementwiseOpsMatchBigIntegerIncludingEdgesAndCarries() {
        Shape s = Shape.of(37, 11);
        Ring128Tensor a = randomWithEdges(prg, s, 0);
        Ring128Tensor b = randomWithEdges(prg, s, 1);
        check(a.add(b), a, b, BigInteger::add);
        check(a.sub(b), a, b, BigInteger::subtract);
        check(a.mul(b), a, b, BigInteger::multiply);
        check(a.negate(), a, b, (x, y) -> x.negate());
        check(a.mulScalar(-7), a, b, (x, y) -> x.multiply(BigInteger.valueOf(-7)));
        check(a.mulScalar(Long.MIN_VALUE), a, b, (x, y) -> x.multiply(BigInteger.valueOf(Long.MIN_VALUE)));
    }

    @Test
    void everyPairOfEdgeValues() {
        int n = RingTestSupport.EDGES.length;
        long[] ahi = new long[n * n], alo = new long[n * n], bhi = new long[n * n], blo = new long[n * n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                ahi[i * n + j] = RingTestSupport.EDGES[i][0];
                alo[i * n + j] = RingTestSupport.EDGES[i][1];
                bhi[i * n + j] = RingTestSupport.EDGES[j][0];
                blo[i * n + j] = RingTestSupport.EDGES[j][1];
            }
        }
        Ring128Tensor a = Ring128Tensor.wrap(Shape.of(n * n), ahi, alo);
        Ring128Tensor b = Ring128Tensor.wrap(Shape.of(n * n), bhi, blo);
        check(a.add(b), a, b, BigInteger::add);
        check(a.sub(b), a, b, BigInteger::subtract);
        check(a.mul(b), a, b, BigInteger::multiply);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 41, 63, 64, 65, 93, 127, 128})
    void lowBitsAreTheElementModuloTwoToTheBits(int bits) {
        Ring128Tensor a = randomWithEdges(prg, Shape.of(101), 3);
        check(a.lowBits(bits), a, a, (x, y) -> x.mod(BigInteger.ONE.shiftLeft(bits)));
        assertTrue(a.hostOnly() == a, "a host tensor is on the host alone already");
        assertThrows(IllegalArgumentException.class, () -> a.lowBits(0));
        assertThrows(IllegalArgumentException.class, () -> a.lowBits(129));
    }

    /** Words 2i and 2i + 1 are element i's low and high words; a range may start or end inside an element. */
    @ParameterizedTest
    @CsvSource({"0,0", "0,1", "1,2", "1,6", "2,5", "3,201", "201,202", "0,202"})
    void clearWordsZeroesExactlyTheNamedHalves(long from, long to) {
        Ring128Tensor a = randomWithEdges(prg, Shape.of(101), 4);
        BigInteger low = BigInteger.ONE.shiftLeft(64);
        Ring128Tensor cleared = a.clearWords(from, to);
        for (int i = 0; i < a.size(); i++) {
            BigInteger x = big(a, i);
            BigInteger expected = x;
            if (2 * i >= from && 2 * i < to) {
                expected = expected.subtract(expected.mod(low));
            }
            if (2 * i + 1 >= from && 2 * i + 1 < to) {
                expected = expected.mod(low);
            }
            assertEquals(expected, big(cleared, i), "element " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> a.clearWords(2, 1));
        assertThrows(IllegalArgumentException.class, () -> a.clearWords(0, 203));
    }

    /** Bit b of element e at bit e % 64 of word first + b W + e / 64, the top row the sign. */
    @ParameterizedTest
    @CsvSource({"1,1,0", "42,100,1", "42,128,2", "64,129,5"})
    void fromBitRowsReadsEachElementsBitsAndSign(int rows, int n, long first) {
        long w = (n + 63L) / 64;
        Ring128Tensor t = randomWithEdges(prg, Shape.of((int) ((first + rows * w + 1) / 2)), 5);
        BigInteger[] words = new BigInteger[2 * t.size()];
        BigInteger low = BigInteger.ONE.shiftLeft(64);
        for (int i = 0; i < t.size(); i++) {
            words[2 * i] = big(t, i).mod(low);
            words[2 * i + 1] = big(t, i).shiftRight(64);
        }
        Ring128Tensor out = t.fromBitRows(first, rows, n);
        for (int e = 0; e < n; e++) {
            BigInteger v = BigInteger.ZERO;
            for (int b = 0; b < rows; b++) {
                if (words[(int) (first + b * w + e / 64)].testBit(e % 64)) {
                    v = v.add(b == rows - 1 ? BigInteger.ONE.shiftLeft(b).negate() : BigInteger.ONE.shiftLeft(b));
                }
            }
            assertEquals(v.mod(M), big(out, e), "element " + e);
        }
        assertThrows(IllegalArgumentException.class, () -> t.fromBitRows(first, 65, n));
        assertThrows(IllegalArgumentException.class, () -> t.fromBitRows(first + 2, rows, n));
    }

    /** A stream of fields: field i is bits [i b, (i + 1) b) of the packed elements read as one integer, low element first. */
    @ParameterizedTest
    @ValueSource(ints = {1, 40, 63, 64, 65, 96, 127, 128})
    void packedLowBitsAddBackAndSignExtend(int bits) {
        int n = 37;
        Ring128Tensor a = randomWithEdges(prg, Shape.of(n), 6);
        Ring128Tensor b = randomWithEdges(prg, Shape.of(n), 7);
        Ring128Tensor packed = a.packLowBits(bits);
        assertEquals(Ring128Tensor.packedSize(n, bits), packed.size());
        assertEquals((n * bits + 127) / 128, packed.size());
        BigInteger stream = BigInteger.ZERO;
        for (int j = packed.size() - 1; j >= 0; j--) {
            stream = stream.shiftLeft(128).add(big(packed, j));
        }
        BigInteger field = BigInteger.ONE.shiftLeft(bits);
        Ring128Tensor sums = b.addPacked(packed, bits);
        for (int i = 0; i < n; i++) {
            BigInteger f = stream.shiftRight(i * bits).mod(field);
            assertEquals(big(a, i).mod(field), f, "field " + i);
            BigInteger sum = big(b, i).add(f).mod(field);
            BigInteger extended = sum.testBit(bits - 1) ? sum.subtract(field) : sum;
            assertEquals(extended.mod(M), big(sums, i), "sum " + i);
        }
        assertEquals(0, stream.shiftRight(n * bits).signum(), "nothing past the last field");
        assertThrows(IllegalArgumentException.class, () -> b.addPacked(packed.slice(1, Shape.of(packed.size() - 1)), bits));
        assertThrows(IllegalArgumentException.class, () -> a.packLowBits(129));
    }

    @Test
    void outsideMarksEachElementBelowTheLowOrAtTheHighBound() {
        Ring128Tensor a = randomWithEdges(prg, Shape.of(130), 8);
        BigInteger low = BigInteger.ONE.shiftLeft(100).negate();
        BigInteger high = BigInteger.ONE.shiftLeft(90);
        long[] outside = a.outside(low.shiftRight(64).longValue(), low.longValue(), high.shiftRight(64).longValue(),
                high.longValue());
        assertEquals(3, outside.length);
        int marked = 0;
        for (int i = 0; i < a.size(); i++) {
            BigInteger v = signed(a, i);
            boolean out = v.compareTo(low) < 0 || v.compareTo(high) >= 0;
            assertEquals(out, ((outside[i >>> 6] >>> (i & 63)) & 1) == 1, "element " + i + " = " + v);
            marked += out ? 1 : 0;
        }
        assertTrue(marked > 0 && marked < a.size(), marked + " marked");
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 20, 40, 63, 64, 65, 100, 127})
    void shiftsAreFloorDivisionAndMultiplication(int bits) {
        Ring128Tensor a = randomWithEdges(prg, Shape.of(101), 2);
        Ring128Tensor right = a.shiftRight(bits);
        Ring128Tensor left = a.shiftLeft(bits);
        for (int i = 0; i < a.size(); i++) {
            assertEquals(signed(a, i).shiftRight(bits), signed(right, i), "shiftRight " + bits + " element " + i);
            assertEquals(big(a, i).shiftLeft(bits).mod(M), big(left, i), "shiftLeft " + bits + " element " + i);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2})
    void matmulWithEveryTransposeMatchesBigInteger(int threads) {
        RingBackends.use(new JavaRingBackend(threads));
        int m = 7, k = 13, n = 5;
        for (boolean ta : new boolean[]{false, true}) {
            for (boolean tb : new boolean[]{false, true}) {
                Ring128Tensor a = randomWithEdges(prg, ta ? Shape.of(k, m) : Shape.of(m, k), 3);
                Ring128Tensor b = randomWithEdges(prg, tb ? Shape.of(n, k) : Shape.of(k, n), 4);
                assertEquals(referenceMatmul(a, b, ta, tb, m, k, n), a.matmul(b, ta, tb), "transA=" + ta + " transB=" + tb);
            }
        }
    }

    @Test
    void parallelMatmulAboveThresholdMatchesBigInteger() {
        RingBackends.use(new JavaRingBackend(2));
        int m = 9, k = 301, n = 401; // > 2^20 multiply-accumulates, odd sizes
        Ring128Tensor a = randomWithEdges(prg, Shape.of(m, k), 5);
        Ring128Tensor b = randomWithEdges(prg, Shape.of(k, n), 6);
        assertEquals(referenceMatmul(a, b, false, false, m, k, n), a.matmul(b, false, false));
    }

    @Test
    void matmulCarriesTheDeferredLowWordCarry() {
        // products 2^64-1 and 2^32-1: the split low-word sums only overflow when recombined
        Ring128Tensor a = Ring128Tensor.ofLongs(Shape.of(1, 2), -1, 0xFFFF_FFFFL);
        Ring128Tensor b = Ring128Tensor.wrap(Shape.of(2, 1), new long[]{0, 0}, new long[]{1, 1});
        Ring128Tensor expected = Ring128Tensor.wrap(Shape.of(1, 1), new long[]{0}, new long[]{0xFFFF_FFFEL});
        assertEquals(expected, a.matmul(b, false, false));
        assertEquals(referenceMatmul(a, b, false, false, 1, 2, 1), a.matmul(b, false, false));
    }

    @Test
    void sumPoolAndRepeatMatchReference() {
        Ring128Tensor a = randomWithEdges(prg, Shape.of(2, 3, 4, 6), 7);
        Ring128Tensor pooled = a.sumPool(2);
        assertEquals(Shape.of(2, 3, 2, 3), pooled.shape());
        Ring128Tensor up = pooled.repeat(2);
        for (int p = 0; p < 6; p++) {
            for (int y = 0; y < 4; y++) {
                for (int x = 0; x < 6; x++) {
                    int src = (p * 4 + y) * 6 + x;
                    int dst = (p * 2 + y / 2) * 3 + x / 2;
                    assertEquals(big(pooled, dst), big(up, src));
                }
            }
        }
        for (int p = 0; p < 6; p++) {
            for (int oy = 0; oy < 2; oy++) {
                for (int ox = 0; ox < 3; ox++) {
                    BigInteger sum = BigInteger.ZERO;
                    for (int dy = 0; dy < 2; dy++) {
                        for (int dx = 0; dx < 2; dx++) {
                            sum = sum.add(big(a, (p * 4 + oy * 2 + dy) * 6 + ox * 2 + dx));
                        }
                    }
                    assertEquals(sum.mod(M), big(pooled, (p * 2 + oy) * 3 + ox));
                }
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"3,1,1", "3,2,1", "3,1,0", "2,2,0", "5,2,2"})
    void im2colMatchesDirectIndexingAndCol2imIsItsAdjoint(String params) {
        String[] p = params.split(",");
        Conv2dGeometry g = new Conv2dGeometry(2, 3, 7, 6, Integer.parseInt(p[0]), Integer.parseInt(p[1]),
                Integer.parseInt(p[2]));
        Ring128Tensor x = randomWithEdges(prg, g.inputShape(), 8);
        Ring128Tensor cols = x.im2col(g);
        int k = g.kernel();
        for (int c = 0; c < g.channels(); c++) {
            for (int ky = 0; ky < k; ky++) {
                for (int kx = 0; kx < k; kx++) {
                    for (int b = 0; b < g.batch(); b++) {
                        for (int oy = 0; oy < g.outHeight(); oy++) {
                            for (int ox = 0; ox < g.outWidth(); ox++) {
                                int row = (c * k + ky) * k + kx;
                                int col = (b * g.outHeight() + oy) * g.outWidth() + ox;
                                int y = oy * g.stride() - g.padding() + ky;
                                int xx = ox * g.stride() - g.padding() + kx;
                                BigInteger expected = y < 0 || y >= g.height() || xx < 0 || xx >= g.width()
                                        ? BigInteger.ZERO : big(x, ((b * g.channels() + c) * g.height() + y) * g.width() + xx);
                                assertEquals(expected, big(cols, row * g.columnCols() + col));
                            }
                        }
                    }
                }
            }
        }
        // <im2col(x), z> == <x, col2im(z)> exactly in the ring
        Ring128Tensor z = randomWithEdges(prg, g.columnShape(), 9);
        assertEquals(dot(cols, z), dot(x, z.col2im(g)));
    }

    @Test
    void swapLeadingAxesPermutes() {
        Ring128Tensor a = randomWithEdges(prg, Shape.of(3, 4, 2, 5), 10);
        Ring128Tensor s = a.swapLeadingAxes();
        assertEquals(Shape.of(4, 3, 2, 5), s.shape());
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 4; j++) {
                for (int r = 0; r < 10; r++) {
                    assertEquals(big(a, (i * 4 + j) * 10 + r), big(s, (j * 3 + i) * 10 + r));
                }
            }
        }
        assertEquals(a, s.swapLeadingAxes());
    }

    @Test
    void shapeMismatchesFailWithBothShapes() {
        Ring128Tensor a = Ring128Tensor.zeros(Shape.of(2, 3));
        Ring128Tensor b = Ring128Tensor.zeros(Shape.of(3, 2));
        IllegalArgumentException add = assertThrows(IllegalArgumentException.class, () -> a.add(b));
        assertTrue(add.getMessage().contains("[2, 3]") && add.getMessage().contains("[3, 2]"), add.getMessage());
        IllegalArgumentException mm = assertThrows(IllegalArgumentException.class, () -> a.matmul(a, false, false));
        assertTrue(mm.getMessage().contains("inner dimensions"), mm.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Ring128Tensor.zeros(Shape.of(1, 1, 3, 3)).sumPool(2));
        assertThrows(IllegalArgumentException.class, () -> a.reshape(Shape.of(5)));
    }

    @Test
    void toStringRevealsNoElement() {
        Ring128Tensor secret = Ring128Tensor.ofLongs(Shape.of(2), 123456789L, 987654321L);
        assertEquals("Ring128Tensor[2]", secret.toString());
    }

    private static void check(Ring128Tensor actual, Ring128Tensor a, Ring128Tensor b, BinaryOperator<BigInteger> op) {
        BigInteger[] expected = new BigInteger[a.size()];
        for (int i = 0; i < expected.length; i++) {
            expected[i] = op.apply(big(a, i), big(b, i)).mod(M);
        }
        assertArrayEquals(expected, bigs(actual));
    }

    static Ring128Tensor referenceMatmul(Ring128Tensor a, Ring128Tensor b, boolean ta, boolean tb, int m, int k, int n) {
        BigInteger[] out = new BigInteger[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                BigInteger s = BigInteger.ZERO;
                for (int t = 0; t < k; t++) {
                    BigInteger x = big(a, ta ? t * m + i : i * k + t);
                    BigInteger y = big(b, tb ? j * k + t : t * n + j);
                    s = s.add(x.multiply(y));
                }
                out[i * n + j] = s;
            }
        }
        return fromBigs(Shape.of(m, n), out);
    }

    private static BigInteger dot(Ring128Tensor a, Ring128Tensor b) {
        BigInteger s = BigInteger.ZERO;
        for (int i = 0; i < a.size(); i++) {
            s = s.add(big(a, i).multiply(big(b, i)));
        }
        return s.mod(M);
    }

    @Test
    void writeWordsLaysOutTheHighThenTheLowWordsLittleEndian() {
        Ring128Tensor a = randomWithEdges(prg, Shape.of(5, 7), 11);
        int first = 3, count = 20;
        ByteBuffer dst = ByteBuffer.allocate(2 + 16 * count + 5);
        dst.position(2);
        a.writeWords(first, count, dst);
        assertEquals(2 + 16 * count, dst.position(), "advanced by 16 bytes per element");
        for (int i = 0; i < count; i++) {
            BigInteger v = big(a, first + i);
            assertEquals(v.shiftRight(64), littleEndian(dst.array(), 2 + 8 * i), "high word of " + (first + i));
            assertEquals(v.mod(BigInteger.ONE.shiftLeft(64)), littleEndian(dst.array(), 2 + 8 * (count + i)),
                    "low word of " + (first + i));
        }
        assertThrows(IndexOutOfBoundsException.class, () -> a.writeWords(30, 6, ByteBuffer.allocate(96)), "past the end");
        assertThrows(IndexOutOfBoundsException.class, () -> a.writeWords(0, 6, ByteBuffer.allocate(95)), "too little room");
    }

    @Test
    void writeWordsCopiesStraightFromDeviceWordsThatCanAndDownloadsOtherwise() {
        Ring128Tensor host = randomWithEdges(prg, Shape.of(40), 12);
        ByteBuffer expected = ByteBuffer.allocate(16 * 25);
        host.writeWords(10, 25, expected);
        int[] downloads = {0};
        for (boolean readable : new boolean[]{true, false}) {
            Ring128Tensor onDevice = Ring128Tensor.onDevice(host.shape(), new DeviceWords() {
                @Override
                public void download(long[] hi, long[] lo) {
                    downloads[0]++;
                    System.arraycopy(host.hiWords(), 0, hi, 0, hi.length);
                    System.arraycopy(host.loWords(), 0, lo, 0, lo.length);
                }

                @Override
                public boolean copyWords(int from, int count, ByteBuffer dst) {
                    if (readable) {
                        host.writeWords(from, count, dst);
                    }
                    return readable;
                }
            });
            ByteBuffer dst = ByteBuffer.allocate(16 * 25);
            onDevice.writeWords(10, 25, dst);
            assertArrayEquals(expected.array(), dst.array(), readable ? "copied from the device" : "downloaded");
            assertEquals(readable ? 0 : 1, downloads[0], "downloads");
            assertEquals(!readable, onDevice.isOnHost());
        }
    }

    private static BigInteger littleEndian(byte[] bytes, int offset) {
        byte[] bigEndian = new byte[8];
        for (int i = 0; i < 8; i++) {
            bigEndian[i] = bytes[offset + 7 - i];
        }
        return new BigInteger(1, bigEndian);
    }
}
