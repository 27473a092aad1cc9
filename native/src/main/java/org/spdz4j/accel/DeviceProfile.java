package org.spdz4j.accel;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;

/**
 * Where a device backend's time goes, by kind of call: every kernel (by operation: matmul,
 * AES keystream, Beaver combination, ...), upload and download is waited for after it runs and
 * its wall time added to its kind. Waiting serialises what the device would otherwise overlap
 * with the host, so a profiled run is slower than a plain one; the shares are what they show.
 * Where several threads share the backend (the parties and the dealer of one JVM), their calls
 * overlap and the total can exceed the wall time. A second table adds up the bytes copied each
 * way by the code that asked for them (the first two callers outside the backend and the
 * ring tensors), to show which protocol steps still move words between host and device.
 * Off unless the system property {@value #PROPERTY} is {@code true}; the table is printed to
 * standard error when the JVM exits (one per backend that ran something).
 *
 * <pre>
 * java -Dspdz4j.deviceProfile=true -jar spdz.jar train --backend cuda ...
 * </pre>
 */
final class DeviceProfile {
    /** The system property that turns profiling on. */
    static final String PROPERTY = "spdz4j.deviceProfile";

    private static final int CALLERS_SHOWN = 20;
    private static final Pattern DIMENSIONS = Pattern.compile("\\s+\\d.*$");
    private final String backend;
    private final Map<String, AtomicLong[]> byKind = new ConcurrentHashMap<>(); // calls, nanoseconds
    private final Map<String, AtomicLong[]> copiesByCaller = new ConcurrentHashMap<>(); // copies, bytes

    DeviceProfile(String backend) {
        this.backend = backend;
    }

    /** A profile printed at exit when {@value #PROPERTY} is set, else null. */
    static DeviceProfile ifRequested(String backend) {
        if (!Boolean.getBoolean(PROPERTY)) {
            return null;
        }
        DeviceProfile p = new DeviceProfile(backend);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (!p.byKind.isEmpty()) { // a backend made only to be measured against others ran nothing
                System.err.print(p.report());
            }
        }, "device profile"));
        return p;
    }

    /**
     * Runs {@code call} between two waits for the device ({@code sync}; the second only if it
     * succeeded), adds its time to {@code kind} and returns its status code.
     */
    int time(String kind, Runnable sync, IntSupplier call) {
        sync.run();
        long start = System.nanoTime();
        int code = call.getAsInt();
        if (code == 0) { // a failed call is reported under its own name, not as a failed wait
            sync.run();
        }
        long nanos = System.nanoTime() - start;
        AtomicLong[] entry = byKind.computeIfAbsent(kind, k -> new AtomicLong[]{new AtomicLong(), new AtomicLong()});
        entry[0].incrementAndGet();
        entry[1].addAndGet(nanos);
        return code;
    }

    /**
     * Adds a copy of {@code bytes} ({@code direction} upload or download) to the first caller
     * outside the backend and the ring tensors, and its caller: the code that asked for words the
     * other side had.
     */
    void copied(String direction, long bytes) {
        String caller = StackWalker.getInstance().walk(frames -> frames
                .filter(f -> !f.getClassName().startsWith("org.spdz4j.accel.") && !f.getClassName().startsWith("org.spdz4j.core.ring."))
                .limit(2)
                .map(f -> f.getClassName().substring(f.getClassName().lastIndexOf('.') + 1) + "." + f.getMethodName())
                .reduce((first, second) -> first + " < " + second)
                .orElse("?"));
        AtomicLong[] entry = copiesByCaller.computeIfAbsent(direction + " " + caller, k -> new AtomicLong[]{new AtomicLong(), new AtomicLong()});
        entry[0].incrementAndGet();
        entry[1].addAndGet(bytes);
    }

    /** The kind of an operation: its name without the dimensions ({@code "matmul 32x288x3136"} is a matmul). */
    static String kind(String operation) {
        return DIMENSIONS.matcher(operation).replaceFirst("");
    }

    /** Calls of {@code kind} so far. */
    long calls(String kind) {
        AtomicLong[] entry = byKind.get(kind);
        return entry == null ? 0 : entry[0].get();
    }

    /** The table: one line per kind, most time first, with its calls, seconds and share of the total. */
    String report() {
        List<Map.Entry<String, AtomicLong[]>> rows = new ArrayList<>(byKind.entrySet());
        rows.sort((a, b) -> Long.compare(b.getValue()[1].get(), a.getValue()[1].get()));
        long total = rows.stream().mapToLong(e -> e.getValue()[1].get()).sum();
        StringBuilder s = new StringBuilder(String.format("device profile of %s (each call waited for):%n", backend));
        s.append(String.format("  %-22s %10s %10s %7s%n", "kind", "calls", "seconds", "share"));
        for (Map.Entry<String, AtomicLong[]> e : rows) {
            long nanos = e.getValue()[1].get();
            s.append(String.format("  %-22s %10d %10.3f %6.1f%%%n", e.getKey(), e.getValue()[0].get(), nanos / 1e9,
                    total == 0 ? 0 : 100.0 * nanos / total));
        }
        s.append(String.format("  %-22s %10s %10.3f%n", "total", "", total / 1e9));
        if (!copiesByCaller.isEmpty()) {
            s.append(String.format("copies by the caller that needed them (most bytes first, at most %d):%n", CALLERS_SHOWN));
            s.append(String.format("  %-76s %8s %10s%n", "direction and caller", "copies", "MB"));
            copiesByCaller.entrySet().stream()
                    .sorted((a, b) -> Long.compare(b.getValue()[1].get(), a.getValue()[1].get()))
                    .limit(CALLERS_SHOWN)
                    .forEach(e -> s.append(String.format("  %-76s %8d %10.1f%n", e.getKey(), e.getValue()[0].get(), e.getValue()[1].get() / 1e6)));
        }
        return s.toString();
    }
}
