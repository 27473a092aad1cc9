package org.spdz4j.accel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Conv2dGeometry;
import org.spdz4j.core.ring.JavaRingBackend;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.RingBackend;
import org.spdz4j.core.ring.RingBackends;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.testing.RingTestSupport;

/** Every C kernel bit-exact with the Java backend, on random tensors with edge values and odd sizes. */
class CpuRingBackendTest {
    private final AesCtrPrg prg = RingTestSupport.prg(50);

    @BeforeAll
    static void needsTheLibrary() {
        if (!CpuRingBackend.available()) {
            System.out.println("CPU kernels skipped: " + CpuRingBackend.unavailableReason());
        }
        assumeTrue(CpuRingBackend.available(), "native library not built (no gcc)");
    }

    /** Runs {@code op} on both backends and compares. */
    private static void same(java.util.function.Supplier<Ring128Tensor> op) {
        RingBackend previous = RingBackends.use(new JavaRingBackend(2));
        try {
            Ring128Tensor expected = op.get();
            RingBackends.use(new CpuRingBackend(2));
            assertEquals(expected, op.get());
        } finally {
            RingBackends.use(previous);
        }
    }

    @Test
    void elementwiseKernels() {
        Shape s = Shape.of(1001, 3);
        Ring128Tensor a = RingTestSupport.randomWithEdges(prg, s, 0);
        Ring128Tensor b = RingTestSupport.randomWithEdges(prg, s, 1);
        same(() -> a.add(b));
        same(() -> a.sub(b));
        same(() -> a.mul(b));
        for (int bits : new int[]{0, 1, 20, 63, 64, 65, 127}) {
            same(() -> a.shiftRight(bits));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 33})
    void matmulWithEveryTranspose(int m) {
        int k = 65, n = 31;
        for (boolean ta : new boolean[]{false, true}) {
            for (boolean tb : new boolean[]{false, true}) {
                Ring128Tensor a = RingTestSupport.randomWithEdges(prg, ta ? Shape.of(k, m) : Shape.of(m, k), 2);
                Ring128Tensor b = RingTestSupport.randomWithEdges(prg, tb ? Shape.of(n, k) : Shape.of(k, n), 3);
                same(() -> a.matmul(b, ta, tb));
            }
        }
    }

    @Test
    void theReferenceTripleLoopAgrees() {
        Ring128Tensor a = RingTestSupport.randomWithEdges(prg, Shape.of(5, 17), 6);
        Ring128Tensor b = RingTestSupport.randomWithEdges(prg, Shape.of(17, 3), 7);
        long[] hi = new long[15];
        long[] lo = new long[15];
        CpuRingBackend.referenceMatmul(a.hiWords(), a.loWords(), b.hiWords(), b.loWords(), 5, 17, 3, hi, lo);
        RingBackend previous = RingBackends.use(new JavaRingBackend(1));
        try {
            assertEquals(a.matmul(b, false, false), Ring128Tensor.wrap(Shape.of(5, 3), hi, lo));
        } finally {
            RingBackends.use(previous);
        }
    }

    @Test
    void im2colAndCol2im() {
        for (int[] p : new int[][]{{3, 1, 1}, {3, 2, 0}, {5, 2, 2}}) {
            Conv2dGeometry g = new Conv2dGeometry(3, 2, 9, 7, p[0], p[1], p[2]);
            Ring128Tensor x = RingTestSupport.randomWithEdges(prg, g.inputShape(), 4);
            Ring128Tensor cols = RingTestSupport.randomWithEdges(prg, g.columnShape(), 5);
            same(() -> x.im2col(g));
            same(() -> cols.col2im(g));
        }
    }
}
