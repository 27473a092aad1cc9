package org.spdz4j.accel;

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
}
