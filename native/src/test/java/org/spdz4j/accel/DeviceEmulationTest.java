package org.spdz4j.accel;

/** The device backend's Java side and the shared kernel bodies, run on the host emulation (every CI run). */
class DeviceEmulationTest extends DeviceBackendTest {

    @Override
    String unavailableReason() {
        return DeviceRingBackend.hostEmulationAvailable() ? null : "host emulation library not built (no gcc)";
    }

    /** Its copies go through staging buffers as a GPU's do, so that CI runs that path. */
    @Override
    boolean hostMemory() {
        return false;
    }

    @Override
    DeviceRingBackend backend() {
        return DeviceRingBackend.hostEmulation();
    }
}
