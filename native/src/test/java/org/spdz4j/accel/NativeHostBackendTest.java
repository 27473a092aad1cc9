package org.spdz4j.accel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.RingBackend;
import org.spdz4j.core.ring.RingBackends;
import org.spdz4j.core.ring.Shape;

/** The C kernels on native memory: every device-path check, bit for bit against Java. */
class NativeHostBackendTest extends DeviceBackendTest {

    @Override
    String unavailableReason() {
        return DeviceRingBackend.nativeHostAvailable() ? null : "native-memory CPU library not built (no gcc)";
    }

    @Override
    DeviceRingBackend backend() {
        return DeviceRingBackend.nativeHost();
    }

    @Test
    void theKeystreamIsExpandedInNativeMemory() {
        DeviceRingBackend device = backend();
        long up = device.uploadedBytes();
        Ring128Tensor words = device.aesCounterWords(Shape.of(1000), new byte[16], new byte[16]);
        assertFalse(words.isOnHost(), "the AES kernel writes native memory");
        org.junit.jupiter.api.Assertions.assertEquals(up, device.uploadedBytes(), "nothing uploaded");
    }

    @Test
    void theLibraryRunsOnTheThreadsItIsGiven() {
        Ring128Tensor a = random(Shape.of(64, 300), 40);
        Ring128Tensor b = random(Shape.of(300, 50), 41);
        Ring128Tensor x = random(Shape.of(128, 1, 28, 28), 42);
        org.spdz4j.core.ring.Conv2dGeometry g = new org.spdz4j.core.ring.Conv2dGeometry(128, 1, 28, 28, 3, 1, 1);
        Ring128Tensor product = a.matmul(b, false, false);
        Ring128Tensor columns = x.im2col(g);
        try {
            for (int threads : new int[]{1, 3}) {
                DeviceRingBackend lib = DeviceRingBackend.nativeHost(threads);
                assertTrue(lib.name().endsWith(", " + threads + (threads == 1 ? " thread)" : " threads)")), lib.name());
                RingBackend previous = RingBackends.use(lib);
                try {
                    assertEquals(product, a.matmul(b, false, false), threads + " thread(s): product");
                    assertEquals(columns, x.im2col(g), threads + " thread(s): im2col");
                } finally {
                    RingBackends.use(previous);
                }
            }
            assertThrows(IllegalArgumentException.class, () -> DeviceRingBackend.nativeHost(-1));
        } finally {
            DeviceRingBackend.nativeHost(0);
        }
    }
}
