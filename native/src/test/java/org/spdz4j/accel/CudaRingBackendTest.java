package org.spdz4j.accel;

/**
 * The CUDA kernels on a GPU, bit-exact with Java; skipped with the reason where there is no GPU,
 * failed instead when {@code -Dspdz4j.requireCuda=true} (scripts/gpu-run.sh).
 */
class CudaRingBackendTest extends DeviceBackendTest {

    @Override
    boolean required() {
        return Boolean.getBoolean("spdz4j.requireCuda");
    }

    @Override
    String unavailableReason() {
        return DeviceRingBackend.cudaAvailable() ? null : DeviceRingBackend.cudaUnavailableReason();
    }

    @Override
    boolean hostMemory() {
        return false;
    }

    @Override
    DeviceRingBackend backend() {
        return DeviceRingBackend.cuda();
    }
}
