package org.spdz4j.accel;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Every agreement check again with the C library's portable product, the one CPUs without
 * AVX-512 take (the AVX-512 product is the default where the CPU has it, as on this machine).
 */
class PortableCpuProductTest extends CpuRingBackendTest {
    private boolean previous;

    @BeforeEach
    void portableProduct() {
        if (CpuRingBackend.available()) {
            previous = CpuRingBackend.useVectorProduct(false);
        }
    }

    @AfterEach
    void restore() {
        if (CpuRingBackend.available()) {
            CpuRingBackend.useVectorProduct(previous);
        }
    }
}
