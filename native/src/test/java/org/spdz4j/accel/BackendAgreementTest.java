package org.spdz4j.accel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Conv2dGeometry;
import org.spdz4j.core.ring.JavaRingBackend;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.RingBackend;
import org.spdz4j.core.ring.RingBackends;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.testing.RingTestSupport;

/**
 * Every operation of a backend bit-exact with the Java backend, on random tensors with edge
 * values and odd sizes. Subclasses name the backend and say when it is unavailable.
 */
abstract class BackendAgreementTest {
    private static final java.util.Set<Class<?>> REPORTED = java.util.concurrent.ConcurrentHashMap.newKeySet();
    protected final AesCtrPrg prg = RingTestSupport.prg(50);

    /** Null when the backend can run here, else why not (printed, and the tests skipped). */
    abstract String unavailableReason();

    abstract RingBackend backend();

    /** Whether an unavailable backend fails the test instead of skipping it. */
    boolean required() {
        return false;
    }

    @BeforeEach
    void needsTheBackend() {
        String reason = unavailableReason();
        if (reason != null && REPORTED.add(getClass())) {
            System.out.println(getClass().getSimpleName() + " skipped: " + reason);
        }
        if (required()) {
            assertNull(reason, "required backend unavailable");
        }
        assumeTrue(reason == null, reason);
    }

    /** Runs {@code op} on the Java backend and on this one, and compares. */
    void same(Supplier<Ring128Tensor> op) {
        onBoth(op, Assertions::assertEquals);
    }

    /** Runs {@code op}, which gives bit words, on the Java backend and on this one, and compares. */
    void sameBits(Supplier<long[]> op) {
        onBoth(op, Assertions::assertArrayEquals);
    }

    private <T> void onBoth(Supplier<T> op, BiConsumer<T, T> check) {
        RingBackend previous = RingBackends.use(new JavaRingBackend(2));
        try {
            T expected = op.get();
            RingBackends.use(backend());
            check.accept(expected, op.get());
        } finally {
            RingBackends.use(previous);
        }
    }

    Ring128Tensor random(Shape shape, int stream) {
        return RingTestSupport.randomWithEdges(prg, shape, stream);
    }

    /** The PRG's expansion: lane remainders, several threads' chunks, a counter whose low word carries. */
    @ParameterizedTest
    @ValueSource(ints = {1, 7, 8, 9, 1000, 70_001})
    void aesKeystream(int n) {
        byte[] key = prg.bytes(16, 60, n);
        byte[] counter = prg.bytes(16, 61, n);
        same(() -> Ring128Tensor.aesCounterWords(Shape.of(n), key, counter));
        byte[] carrying = counter.clone();
        java.util.Arrays.fill(carrying, 8, 16, (byte) 0xff);
        same(() -> Ring128Tensor.aesCounterWords(Shape.of(n), key, carrying));
        same(() -> new AesCtrPrg(key).tensor(Shape.of(n, 1), 5, -2));
    }

    @Test
    void elementwiseKernels() {
        Shape s = Shape.of(1001, 3);
        Ring128Tensor a = random(s, 0);
        Ring128Tensor b = random(s, 1);
        same(() -> a.add(b));
        same(() -> a.sub(b));
        same(() -> a.mul(b));
        same(a::negate);
        same(() -> a.mulScalar(-3));
        same(() -> Ring128Tensor.filled(s, Long.MIN_VALUE));
        for (int bits : new int[]{0, 1, 20, 63, 64, 65, 127}) {
            same(() -> a.shiftRight(bits));
            same(() -> a.shiftLeft(bits));
        }
        for (int bits : new int[]{1, 41, 63, 64, 65, 93, 127, 128}) { // a narrow mask's share: of a result and of a host tensor
            same(() -> a.add(b).lowBits(bits));
            same(() -> a.lowBits(bits));
        }
        int words = 2 * s.size();
        for (long[] range : new long[][]{{0, 0}, {0, 1}, {1, 2}, {1, 6}, {2, 5}, {3, words - 1}, {words - 1, words}, {0, words}}) {
            same(() -> a.add(b).clearWords(range[0], range[1])); // a bit row of a comparison's material
            same(() -> a.clearWords(range[0], range[1]));
        }
    }

    /** A comparison's step from opened bits to shares: sizes inside one word, at its edge and over several. */
    @ParameterizedTest
    @ValueSource(ints = {1, 63, 64, 65, 3003})
    void selectByBits(int n) {
        Ring128Tensor a = random(Shape.of(n), 6);
        Ring128Tensor b = random(Shape.of(n), 7);
        long[] bits = toWords(prg.bytes(8 * ((n + 63) / 64), 8, n));
        same(() -> Ring128Tensor.select(bits, a, b));
    }

    /** A comparison's beta from its bit rows: rows and first words odd and even, the last word partial or whole. */
    @ParameterizedTest
    @CsvSource({"1,1,0", "42,63,3", "42,64,0", "42,65,7", "63,1000,2", "64,1000,5"})
    void integersFromBitRows(int rows, int n, long firstWord) {
        long words = firstWord + rows * ((n + 63L) / 64) + 3;
        Ring128Tensor t = random(Shape.of((int) ((words + 1) / 2)), 12);
        same(() -> t.add(t).fromBitRows(firstWord, rows, n));
        same(() -> t.fromBitRows(firstWord, rows, n));
    }

    /** An opening under a narrow mask: packed low bits, their sum with a share, sign-extended, and the window's check. */
    @ParameterizedTest
    @ValueSource(ints = {1, 45, 63, 64, 65, 96, 127, 128})
    void packedOpenings(int bits) {
        Ring128Tensor a = random(Shape.of(301), 13);
        Ring128Tensor b = random(Shape.of(301), 14);
        same(() -> a.add(b).packLowBits(bits));
        same(() -> a.packLowBits(bits));
        Ring128Tensor packedOnHost = a.packLowBits(bits); // as it arrives from the peer
        same(() -> b.add(a).addPacked(packedOnHost, bits));
        same(() -> b.add(a).addPacked(a.add(b).packLowBits(bits), bits));
        long[][] bounds = {{-1L << 36, 0, 1L << 20, 0}, {-1, 0, 0, 1L << bits % 64}, {Long.MIN_VALUE, 0, Long.MAX_VALUE, -1}};
        for (long[] w : bounds) {
            sameBits(() -> a.add(b).outside(w[0], w[1], w[2], w[3]));
            sameBits(() -> a.outside(w[0], w[1], w[2], w[3]));
        }
    }

    /** A comparison's public bits of its opening, bit-sliced: every row count, the last word partial or whole. */
    @ParameterizedTest
    @CsvSource({"1,1", "40,63", "40,64", "41,65", "64,200", "100,130", "128,1000"})
    void bitSlicedRows(int rows, int n) {
        Ring128Tensor a = random(Shape.of(n), 15);
        sameBits(() -> a.add(a).bitRows(rows));
        sameBits(() -> a.bitRows(rows));
    }

    /** Slices, concatenations and maps of results (on a device, where they lie) and of host tensors. */
    @Test
    void dataMovement() {
        Ring128Tensor a = random(Shape.of(1000), 8);
        Ring128Tensor b = random(Shape.of(1000), 9);
        same(() -> a.add(b).slice(0, Shape.of(10, 3)));
        same(() -> a.add(b).slice(997, Shape.of(3)));
        same(() -> a.slice(500, Shape.of(2, 250)));
        same(() -> Ring128Tensor.concat(List.of(a.add(b), b, a.sub(b).slice(5, Shape.of(7)), b.slice(0, Shape.of(0)))));
        same(() -> Ring128Tensor.concat(List.of(a, b)));
        int[] plus = new int[1500];
        int[] minus = new int[1500];
        byte[] r = prg.bytes(2 * plus.length, 10, 0);
        for (int i = 0; i < plus.length; i++) {
            plus[i] = i % 7 == 0 ? -1 : Math.floorMod(r[2 * i] * 131 + i, 1000);
            minus[i] = i % 5 == 0 ? -1 : Math.floorMod(r[2 * i + 1] * 173 + 3 * i, 1000);
        }
        plus[1] = 999;
        minus[1] = 0;
        same(() -> a.add(b).map(Shape.of(30, 50), plus, minus));
        same(() -> a.add(b).map(Shape.of(1500), plus, null));
        same(() -> a.map(Shape.of(1500), plus, minus));
        // the device keeps an index array it has seen; one changed since must not be served from it
        same(() -> a.add(b).map(Shape.of(1500), plus, minus));
        plus[2] = plus[2] == 3 ? 4 : 3;
        minus[1499] = -1;
        same(() -> a.add(b).map(Shape.of(1500), plus, minus));
    }

    private static long[] toWords(byte[] bytes) {
        long[] words = new long[bytes.length / 8];
        java.nio.ByteBuffer.wrap(bytes).asLongBuffer().get(words);
        return words;
    }

    @Test
    void beaverCombinationForBothParties() {
        Shape s = Shape.of(7, 143);
        Ring128Tensor[] t = new Ring128Tensor[5];
        for (int i = 0; i < t.length; i++) {
            t[i] = random(s, 10 + i);
        }
        for (boolean withOpenedProduct : new boolean[]{true, false}) {
            same(() -> Ring128Tensor.beaverElementwise(withOpenedProduct, t[0], t[1], t[2], t[3], t[4]));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33})
    void matmulWithEveryTranspose(int m) {
        int k = 65;
        int n = 31;
        for (boolean ta : new boolean[]{false, true}) {
            for (boolean tb : new boolean[]{false, true}) {
                Ring128Tensor a = random(ta ? Shape.of(k, m) : Shape.of(m, k), 2);
                Ring128Tensor b = random(tb ? Shape.of(n, k) : Shape.of(k, n), 3);
                same(() -> a.matmul(b, ta, tb));
            }
        }
    }

    /** Shapes that take several tiles, ragged edges and (on a GPU) a split of the inner dimension. */
    @ParameterizedTest
    @CsvSource({"32, 288, 3136", "40, 3001, 200", "129, 17, 257", "10, 2000, 3"})
    void largeMatmuls(int m, int k, int n) {
        Ring128Tensor a = random(Shape.of(m, k), 20);
        Ring128Tensor b = random(Shape.of(k, n), 21);
        Ring128Tensor bt = random(Shape.of(n, k), 22);
        same(() -> a.matmul(b, false, false));
        same(() -> a.matmul(bt, false, true));
    }

    @Test
    void im2colAndCol2im() {
        for (int[] p : new int[][]{{3, 1, 1}, {3, 2, 0}, {5, 2, 2}, {2, 3, 1}}) {
            Conv2dGeometry g = new Conv2dGeometry(3, 2, 9, 7, p[0], p[1], p[2]);
            Ring128Tensor x = random(g.inputShape(), 4);
            Ring128Tensor cols = random(g.columnShape(), 5);
            same(() -> x.im2col(g));
            same(() -> cols.col2im(g));
        }
        Conv2dGeometry threaded = new Conv2dGeometry(16, 4, 14, 14, 3, 1, 1);   // more words than one thread takes
        Ring128Tensor x = random(threaded.inputShape(), 9);
        Ring128Tensor cols = random(threaded.columnShape(), 10);
        same(() -> x.im2col(threaded));
        same(() -> cols.col2im(threaded));
    }

    @Test
    void poolingBroadcastsAndSums() {
        Ring128Tensor x = random(Shape.of(3, 5, 6, 4), 6);
        same(() -> x.sumPool(2));
        same(() -> x.repeat(3));
        same(x::swapLeadingAxes);
        Ring128Tensor big = random(Shape.of(16, 8, 14, 14), 11);
        same(() -> big.sumPool(2));
        same(() -> big.repeat(2));
        same(big::swapLeadingAxes);
        Ring128Tensor m = random(Shape.of(37, 11), 7);
        same(m::rowSums);
        same(m::columnSums);
        Ring128Tensor v = random(Shape.of(13), 8);
        same(() -> v.broadcastRows(5));
        same(() -> v.broadcastColumns(6));
    }
}
