package org.spdz4j.accel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.JavaRingBackend;
import org.spdz4j.core.ring.RingBackend;
import org.spdz4j.core.ring.RingBackends;

/** {@code auto}: the fastest backend measured, not the first that loads. */
class BackendsTest {
    /** The Java backend, 40 ms slower on every product, named "slow". */
    private static RingBackend slow() {
        RingBackend inner = new JavaRingBackend(1);
        return (RingBackend) Proxy.newProxyInstance(RingBackend.class.getClassLoader(), new Class<?>[]{RingBackend.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("name")) {
                        return "slow";
                    }
                    if (method.getName().equals("matmul")) {
                        Thread.sleep(40);
                    }
                    try {
                        return method.invoke(inner, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @Test
    void autoTakesTheFastestCandidateWhateverItsPlaceInTheList() {
        RingBackend slow = slow();
        RingBackend java = new JavaRingBackend(1);
        for (List<RingBackend> order : List.of(List.of(slow, java), List.of(java, slow))) {
            List<String> reports = new ArrayList<>();
            assertSame(java, Backends.fastest(order, reports::add));
            assertEquals(1, reports.size());
            assertTrue(reports.get(0).contains("slow") && reports.get(0).endsWith("taking " + java.name()), reports.get(0));
        }
        assertSame(slow, Backends.fastest(List.of(slow), s -> { }), "one candidate is taken as it is");
    }

    /** Each name gives its backend; emulation is never among auto's candidates; a misspelt name is refused, naming them all. */
    @Test
    void namesSelectTheirBackendsAndEmulationOnlyByName() {
        assertTrue(Backends.select("java", 1) instanceof JavaRingBackend);
        Assumptions.assumeTrue(DeviceRingBackend.hostEmulationAvailable(), "the host emulation is not built here");
        assertEquals(DeviceRingBackend.hostEmulation().name(), Backends.select("emulation", 1).name());
        assertTrue(Backends.available(1).stream().noneMatch(b -> b.name().equals(DeviceRingBackend.hostEmulation().name())));
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> Backends.select("emulator", 1));
        assertTrue(e.getMessage().contains("emulation") && e.getMessage().contains("cuda"), e.getMessage());
    }

    @Test
    void theProbeComputesTheSameOnTheCKernelsAsOnJava() {
        Assumptions.assumeTrue(CpuRingBackend.available(), "the C kernels are not built here");
        RingBackend previous = RingBackends.use(new JavaRingBackend(1));
        try {
            long java = Backends.probe();
            RingBackends.use(new CpuRingBackend(2));
            assertEquals(java, Backends.probe());
        } finally {
            RingBackends.use(previous);
        }
    }
}
