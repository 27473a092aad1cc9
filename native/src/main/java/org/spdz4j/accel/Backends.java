package org.spdz4j.accel;

import org.spdz4j.core.ring.JavaRingBackend;
import org.spdz4j.core.ring.RingBackend;

/**
 * Chooses a ring backend by name: {@code java}, {@code cpu} (C kernels) or {@code auto} (the
 * fastest available: CUDA once it exists, then cpu, then java).
 *
 * <pre>{@code
 * RingBackends.use(Backends.select("auto", Runtime.getRuntime().availableProcessors()));
 * }</pre>
 */
public final class Backends {
    private Backends() {
    }

    public static RingBackend select(String name, int threads) {
        return switch (name) {
            case "java" -> new JavaRingBackend(threads);
            case "cpu" -> new CpuRingBackend(threads);
            case "auto" -> CpuRingBackend.available() ? new CpuRingBackend(threads) : new JavaRingBackend(threads);
            default -> throw new IllegalArgumentException("unknown backend '" + name + "': java, cpu or auto");
        };
    }
}
