package org.spdz4j.accel;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.spdz4j.core.ring.Conv2dGeometry;
import org.spdz4j.core.ring.JavaRingBackend;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.RingBackend;
import org.spdz4j.core.ring.RingBackends;
import org.spdz4j.core.ring.Shape;

/**
 * Chooses a ring backend by name: {@code java}, {@code cpu} (C kernels on the JVM's arrays),
 * {@code native} (C kernels on native memory), {@code cuda} (GPU), {@code emulation} (the GPU's
 * kernels and copies on one host thread, to count a GPU's copies without one) or {@code auto}: every backend
 * that loads here (CUDA when a GPU is present, the C kernels when built, Java always) runs the same {@linkplain #probe probe} and the fastest is taken.
 *
 * <pre>{@code
 * RingBackends.use(Backends.select("auto", Runtime.getRuntime().availableProcessors()));
 * }</pre>
 */
public final class Backends {
    /** The names {@link #select} accepts. */
    public static final String NAMES = "java, cpu, native, cuda, emulation or auto";

    private Backends() {
    }

    /** The backend called {@code name} (java, cpu, native, cuda, emulation or auto) with {@code threads} threads; auto reports to stderr. */
    public static RingBackend select(String name, int threads) {
        return switch (name) {
            case "java" -> new JavaRingBackend(threads);
            case "cpu" -> new CpuRingBackend(threads);
            case "cuda" -> DeviceRingBackend.cuda();
            case "native" -> DeviceRingBackend.nativeHost(threads);
            case "emulation" -> DeviceRingBackend.hostEmulation(); // the GPU's code path on one host thread: slow, never auto
            case "auto" -> fastest(available(threads), System.err::println);
            default -> throw new IllegalArgumentException("unknown backend '" + name + "': " + NAMES);
        };
    }

    /** Every backend that loads on this machine, Java last. */
    static List<RingBackend> available(int threads) {
        List<RingBackend> out = new ArrayList<>();
        if (DeviceRingBackend.cudaAvailable()) {
            out.add(DeviceRingBackend.cuda());
        }
        if (DeviceRingBackend.nativeHostAvailable()) {
            out.add(DeviceRingBackend.nativeHost(threads));
        }
        if (CpuRingBackend.available()) {
            out.add(new CpuRingBackend(threads));
        }
        out.add(new JavaRingBackend(threads));
        return out;
    }

    /**
     * The candidate with the shortest {@linkplain #probe probe} (best of two after a warm-up),
     * the timings told to {@code report}; a single candidate is taken without measuring. It costs
     * a process about a quarter of a second at start (three backends, three runs each).
     */
    public static RingBackend fastest(List<RingBackend> candidates, Consumer<String> report) {
        if (candidates.size() == 1) {
            return candidates.get(0);
        }
        RingBackend best = null;
        double bestSeconds = Double.MAX_VALUE;
        StringBuilder line = new StringBuilder("backend auto: probe");
        for (RingBackend b : candidates) {
            double s = timeProbe(b);
            line.append(String.format(" %s %.1f ms,", b.name(), s * 1e3));
            if (s < bestSeconds) {
                best = b;
                bestSeconds = s;
            }
        }
        report.accept(line.append(" taking ").append(best.name()).toString());
        return best;
    }

    /** Best of two runs of the probe on {@code b}, after one to warm up, in seconds. */
    static double timeProbe(RingBackend b) {
        RingBackend previous = RingBackends.use(b);
        try {
            probe();
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 2; i++) {
                long start = System.nanoTime();
                probe();
                best = Math.min(best, (System.nanoTime() - start) / 1e9);
            }
            return best;
        } finally {
            RingBackends.use(previous);
        }
    }

    /**
     * What a training step does most, on the current backend, at a small size: the seed
     * network's second convolution on a batch of 16 (unfold, a 16 x 400 by 400 x 1,024 product:
     * the shape of the products that take most of a step's time), a Beaver combination, the
     * truncation, the adjoint's product and fold, and the result back on the host (what is sent
     * or decoded). Returns a word of the result so that nothing is skipped.
     */
    static long probe() {
        Shape input = Shape.of(16, 16, 12, 12);
        Conv2dGeometry g = Conv2dGeometry.of(input, 5, 1, 0);
        Ring128Tensor x = pattern(input, 7);
        Ring128Tensor w = pattern(Shape.of(16, g.columnRows()), 11);
        Ring128Tensor columns = x.im2col(g);
        Ring128Tensor z = w.matmul(columns, false, false);
        Ring128Tensor combined = Ring128Tensor.beaverElementwise(false, z, z, z, z, z).shiftRight(16);
        Ring128Tensor back = w.matmul(combined, true, false).col2im(g);
        return back.hiWords()[0] ^ combined.loWords()[combined.size() - 1];
    }

    /** A deterministic tensor of mixed words (the probe's data; nothing secret). */
    private static Ring128Tensor pattern(Shape shape, long salt) {
        long[] hi = new long[shape.size()];
        long[] lo = new long[shape.size()];
        long s = salt;
        for (int i = 0; i < hi.length; i++) {
            s = s * 6364136223846793005L + 1442695040888963407L;
            hi[i] = s >> 40;
            lo[i] = s;
        }
        return Ring128Tensor.wrap(shape, hi, lo);
    }
}
