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

/** What every device backend must do besides agreeing with Java: keep results resident, report errors. */
abstract class DeviceBackendTest extends BackendAgreementTest {

    @Override
    abstract DeviceRingBackend backend();

    @Test
    void resultsStayOnTheDeviceUntilRead() {
        DeviceRingBackend device = backend();
        Ring128Tensor w = random(Shape.of(16, 64), 30);
        Ring128Tensor x = random(Shape.of(64, 100), 31);
        Ring128Tensor bias = random(Shape.of(16, 100), 32);
        RingBackend previous = RingBackends.use(device);
        try {
            long up = device.uploadedBytes();
            long down = device.downloadedBytes();
            Ring128Tensor y = w.matmul(x, false, false).add(bias).shiftRight(20);
            Ring128Tensor z = y.mul(y).add(w.matmul(x, false, false)).sub(bias);
            assertFalse(z.isOnHost());
            assertEquals(down, device.downloadedBytes(), "nothing copied back before it is read");
            assertEquals(up + 16L * (w.size() + x.size() + bias.size()), device.uploadedBytes(),
                    "each host operand copied to the device once");
            z.hiWords();
            assertTrue(z.isOnHost());
            assertEquals(down + 16L * z.size(), device.downloadedBytes());
        } finally {
            RingBackends.use(previous);
        }
    }

    @Test
    void errorCodesBecomeExceptionsNamingTheOperation() {
        DeviceRingBackend device = backend();
        int code = device.library().r128d_shr(0, 200, 0, 1);
        DeviceException e = assertThrows(DeviceException.class, () -> device.check(code, "shift by 200"));
        assertEquals(code, e.code());
        assertTrue(e.getMessage().contains("invalid argument") && e.getMessage().contains("shift by 200"), e.getMessage());
    }
}
