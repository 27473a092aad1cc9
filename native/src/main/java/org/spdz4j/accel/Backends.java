package org.spdz4j.accel;

import org.spdz4j.core.ring.JavaRingBackend;
import org.spdz4j.core.ring.RingBackend;

/**
 * Chooses a ring backend by name: {@code java}, {@code cpu} (C kernels), {@code cuda} (GPU) or
 * {@code auto} (CUDA when a GPU is present, else the C kernels when built, else Java).
 *
 * <pre>{@code
 * RingBackends.use(Backends.select("auto", Runtime.getRuntime().availableProcessors()));
 * }</pre>
 */
public final class Backends {
    /** The names {@link #select} accepts. */
    public static final String NAMES = "java, cpu, cuda or auto";

    private Backends() {
    }

    /** The backend called {@code name} (java, cpu, cuda or auto) with {@code threads} threads. */
    public static RingBackend select(String name, int threads) {
        return switch (name) {
            case "java" -> new JavaRingBackend(threads);
            case "cpu" -> new CpuRingBackend(threads);
            case "cuda" -> DeviceRingBackend.cuda();
            case "auto" -> DeviceRingBackend.cudaAvailable() ? DeviceRingBackend.cuda()
                    : CpuRingBackend.available() ? new CpuRingBackend(threads) : new JavaRingBackend(threads);
            default -> throw new IllegalArgumentException("unknown backend '" + name + "': " + NAMES);
        };
    }
}
