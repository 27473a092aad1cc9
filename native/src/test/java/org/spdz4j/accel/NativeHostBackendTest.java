package org.spdz4j.accel;

import static org.junit.jupiter.api.Assertions.assertFalse;

import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.Ring128Tensor;
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
}
