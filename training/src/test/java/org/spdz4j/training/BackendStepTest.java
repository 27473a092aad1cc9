package org.spdz4j.training;

import org.spdz4j.data.TestData;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.Test;
import org.spdz4j.accel.DeviceRingBackend;
import org.spdz4j.core.ring.JavaRingBackend;
import org.spdz4j.core.ring.RingBackend;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.PolyRelu;
import org.spdz4j.layers.SoftmaxCrossEntropy;

/** Training steps on a device backend reveal exactly the model the Java backend reveals, same seeds. */
class BackendStepTest {

    private static void identicalTo(RingBackend candidate, TrainingConfig c) {
        BackendComparison.Result r = BackendComparison.run(c, TestData.train(), new JavaRingBackend(2), candidate);
        System.out.printf("%s vs %s: %.3f vs %.3f s/step, identical %s%n", r.candidate().backend(),
                r.reference().backend(), r.candidate().secondsPerStep(), r.reference().secondsPerStep(), r.identical());
        assertEquals(LocalTraining.batches(c, TestData.train().size()).length, 2);
        assertTrue(r.identical(), "revealed models differ");
    }

    /** Every layer's forward and backward on the device path (host emulation), two steps of a small CNN. */
    @Test
    void deviceEmulationRevealsTheJavaModel() {
        assumeTrue(DeviceRingBackend.hostEmulationAvailable(), "host emulation library not built (no gcc)");
        Network net = Network.builder().addConv2d(1, 4, 3, 1, 1).addAvgPool2d(2).add(new PolyRelu(2, 2.0))
                .addFlatten().addDense(4 * 14 * 14, 10).loss(SoftmaxCrossEntropy.DEFAULT).build();
        identicalTo(DeviceRingBackend.hostEmulation(), TrainingConfig.seedNetwork(1, 16, 32).withNetwork(net));
    }

    /**
     * The comparisons' device path (host emulation): exact ReLU and max pooling, their selects,
     * slices and maps; and no more copies between host and device than the protocol needs now.
     */
    @Test
    void deviceEmulationRevealsTheJavaModelWithComparisons() {
        assumeTrue(DeviceRingBackend.hostEmulationAvailable(), "host emulation library not built (no gcc)");
        Network net = Network.builder().addConv2d(1, 2, 3, 1, 1).addMaxPool2d(2).addRelu()
                .addFlatten().addDense(2 * 14 * 14, 10).loss(SoftmaxCrossEntropy.DEFAULT).build();
        DeviceRingBackend emulation = DeviceRingBackend.hostEmulation();
        identicalTo(emulation, TrainingConfig.seedNetwork(1, 16, 32).withNetwork(net));
        // what a GPU would copy in these two steps (dealer and parties): 35.6 MB to it and 33.7 MB back before
        // openings and comparison material stayed where they lie (b2235eb), 10.1 and 11.1 MB since (2026-12-07)
        assertTrue(emulation.uploadedBytes() <= 12_000_000, emulation.uploadedBytes() + " bytes copied to the device");
        assertTrue(emulation.downloadedBytes() <= 13_000_000, emulation.downloadedBytes() + " bytes copied back");
    }

    /** The check on a GPU: the seed network at batch 128, CUDA against Java. */
    @Test
    void cudaRevealsTheJavaModelForTheSeedNetwork() {
        if (!DeviceRingBackend.cudaAvailable()) {
            System.out.println("CUDA training step skipped: " + DeviceRingBackend.cudaUnavailableReason());
            assertFalse(Boolean.getBoolean("spdz4j.requireCuda"), "CUDA required but unavailable");
        }
        assumeTrue(DeviceRingBackend.cudaAvailable(), "no GPU");
        identicalTo(DeviceRingBackend.cuda(), TrainingConfig.seedNetwork(1, 128, 256));
    }
}
