package org.spdz4j.core.ring;

/**
 * The backend every {@link Ring128Tensor} operation runs on. The default is the pure-Java
 * backend using all available processors.
 *
 * <pre>{@code
 * RingBackend previous = RingBackends.use(new JavaRingBackend(1));
 * }</pre>
 */
public final class RingBackends {
    private static volatile RingBackend current =
            new JavaRingBackend(Runtime.getRuntime().availableProcessors());

    private RingBackends() {
    }

    /** The JVM-wide backend every tensor operation runs on. */
    public static RingBackend current() {
        return current;
    }

    /** Installs {@code backend} for the whole JVM and returns the one it replaces. */
    public static RingBackend use(RingBackend backend) {
        if (backend == null) {
            throw new IllegalArgumentException("backend must not be null");
        }
        RingBackend previous = current;
        current = backend;
        return previous;
    }
}
