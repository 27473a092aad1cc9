package org.spdz4j.accel;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.JavaRingBackend;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.RingBackend;
import org.spdz4j.core.ring.RingBackends;
import org.spdz4j.core.ring.Shape;

/** The C kernels, bit-exact with the Java backend; skipped when gcc did not build them. */
class CpuRingBackendTest extends BackendAgreementTest {

    @Override
    String unavailableReason() {
        return CpuRingBackend.available() ? null : "native library not built (no gcc): " + CpuRingBackend.unavailableReason();
    }

    @Override
    RingBackend backend() {
        return new CpuRingBackend(2);
    }

    @Test
    void theReferenceTripleLoopAgrees() {
        Ring128Tensor a = random(Shape.of(5, 17), 6);
        Ring128Tensor b = random(Shape.of(17, 3), 7);
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
}
