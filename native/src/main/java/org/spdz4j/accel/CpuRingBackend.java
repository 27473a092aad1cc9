package org.spdz4j.accel;

import com.sun.jna.Native;
import org.spdz4j.core.ring.Conv2dGeometry;
import org.spdz4j.core.ring.HostRingBackend;

/**
 * Ring kernels in C ({@code unsigned __int128}, OpenMP), loaded with JNA from
 * {@code libspdz4j_ring.so}, which the Maven build compiles when gcc is present. Bit-exact with
 * the Java backend.
 *
 * <pre>{@code
 * if (CpuRingBackend.available()) {
 *     RingBackends.use(new CpuRingBackend(2));
 * }
 * }</pre>
 */
public final class CpuRingBackend extends HostRingBackend {
    private static final Throwable LOAD_FAILURE = Kernels.load();

    private final int threads;

    /** The C kernels with {@code threads} OpenMP threads. */
    public CpuRingBackend(int threads) {
        if (LOAD_FAILURE != null) {
            throw new IllegalStateException("native CPU kernels unavailable: " + LOAD_FAILURE.getMessage(), LOAD_FAILURE);
        }
        this.threads = Math.max(1, threads);
    }

    /** Whether the native library loaded. */
    public static boolean available() {
        return LOAD_FAILURE == null;
    }

    /** Why the native library did not load, or null. */
    public static String unavailableReason() {
        return LOAD_FAILURE == null ? null : LOAD_FAILURE.toString();
    }

    @Override
    public String name() {
        return "cpu(C, " + threads + " threads)";
    }

    @Override
    public void add(long[] aHi, long[] aLo, long[] bHi, long[] bLo, long[] outHi, long[] outLo, int n) {
        Kernels.r128_add(aHi, aLo, bHi, bLo, outHi, outLo, n);
    }

    @Override
    public void sub(long[] aHi, long[] aLo, long[] bHi, long[] bLo, long[] outHi, long[] outLo, int n) {
        Kernels.r128_sub(aHi, aLo, bHi, bLo, outHi, outLo, n);
    }

    @Override
    public void mul(long[] aHi, long[] aLo, long[] bHi, long[] bLo, long[] outHi, long[] outLo, int n) {
        Kernels.r128_mul(aHi, aLo, bHi, bLo, outHi, outLo, n);
    }

    @Override
    public void beaverElementwise(boolean withOpenedProduct, long[][] e, long[][] f, long[][] a, long[][] b, long[][] c,
                                  long[] outHi, long[] outLo, int n) {
        Kernels.r128_beaver(withOpenedProduct ? 1 : 0, e[0], e[1], f[0], f[1], a[0], a[1], b[0], b[1], c[0], c[1],
                outHi, outLo, n);
    }

    @Override
    public void shiftRight(long[] hi, long[] lo, int bits, long[] outHi, long[] outLo, int n) {
        if (bits < 0 || bits > 127) {
            throw new IllegalArgumentException("shift must be in [0, 127], got " + bits);
        }
        Kernels.r128_shr(hi, lo, bits, outHi, outLo, n);
    }

    @Override
    public void matmul(long[] aHi, long[] aLo, boolean transA, long[] bHi, long[] bLo, boolean transB,
                       int m, int k, int n, long[] outHi, long[] outLo) {
        if (Kernels.r128_matmul(aHi, aLo, transA ? 1 : 0, bHi, bLo, transB ? 1 : 0, m, k, n, outHi, outLo, threads) != 0) {
            throw new OutOfMemoryError("native matmul " + m + "x" + k + "x" + n + ": out of native memory");
        }
    }

    @Override
    public void im2col(long[] hi, long[] lo, Conv2dGeometry g, long[] outHi, long[] outLo) {
        Kernels.r128_im2col(hi, lo, g.batch(), g.channels(), g.height(), g.width(), g.kernel(), g.stride(), g.padding(),
                outHi, outLo);
    }

    @Override
    public void col2im(long[] hi, long[] lo, Conv2dGeometry g, long[] outHi, long[] outLo) {
        Kernels.r128_col2im(hi, lo, g.batch(), g.channels(), g.height(), g.width(), g.kernel(), g.stride(), g.padding(),
                outHi, outLo);
    }

    /**
     * Whether products take the AVX-512 kernel (where the CPU has it, the default) or the
     * portable one; returns the previous setting. For tests and benchmarks of both paths; it
     * applies to the whole library.
     */
    static boolean useVectorProduct(boolean on) {
        return Kernels.r128_use_simd(on ? 1 : 0) != 0;
    }

    /**
     * The multiply instructions the peak-throughput benchmark times: {@code mul} (64 x 64 to 128
     * bits, scalar), {@code imul} (64 x 64 to 64 bits, scalar), {@code vpmullq} (AVX-512, eight
     * 64-bit lanes).
     */
    public enum Multiply {
        MUL(4), IMUL(4), VPMULLQ(64);

        /** Multiplies (lanes) per round of a thread. */
        public final int perRound;

        Multiply(int perRound) {
            this.perRound = perRound;
        }
    }

    /**
     * Runs {@code rounds} rounds of independent {@code kind} multiplies on each of {@code threads}
     * threads (so {@code rounds * kind.perRound * threads} multiplies in all), for estimating
     * the machine's peak multiply throughput. Returns a checksum; throws where the CPU lacks the
     * instruction.
     *
     * <pre>{@code
     * long t0 = System.nanoTime();
     * CpuRingBackend.peakMultiplies(CpuRingBackend.Multiply.MUL, 100_000_000, 2);
     * double perSecond = 100_000_000.0 * 4 * 2 / ((System.nanoTime() - t0) / 1e9);
     * }</pre>
     */
    public static long peakMultiplies(Multiply kind, long rounds, int threads) {
        if (!available()) {
            throw new IllegalStateException("native library not built: " + unavailableReason());
        }
        long sum = Kernels.r128_peak_kernel(kind.ordinal(), rounds, threads);
        if (sum < 0) {
            throw new IllegalStateException(kind + " is not available on this CPU");
        }
        return sum;
    }

    /** Whether this CPU runs the AVX-512 product. */
    static boolean vectorProductAvailable() {
        return Kernels.r128_gemm_available() != 0;
    }

    /**
     * The plain single-threaded {@code unsigned __int128} triple loop, {@code a (m x k) * b (k x n)}:
     * the reference benchmarks measure the tuned kernel against.
     */
    public static void referenceMatmul(long[] aHi, long[] aLo, long[] bHi, long[] bLo, int m, int k, int n,
                                       long[] outHi, long[] outLo) {
        Kernels.r128_matmul_reference(aHi, aLo, bHi, bLo, m, k, n, outHi, outLo);
    }

    /** JNA direct mapping of ring128.c. */
    private static final class Kernels {
        static Throwable load() {
            try {
                Native.register(Kernels.class, "spdz4j_ring");
                return null;
            } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                return e;
            }
        }

        static native void r128_add(long[] ahi, long[] alo, long[] bhi, long[] blo, long[] ohi, long[] olo, int n);

        static native void r128_sub(long[] ahi, long[] alo, long[] bhi, long[] blo, long[] ohi, long[] olo, int n);

        static native void r128_mul(long[] ahi, long[] alo, long[] bhi, long[] blo, long[] ohi, long[] olo, int n);

        static native void r128_beaver(int withOpenedProduct, long[] ehi, long[] elo, long[] fhi, long[] flo,
                                       long[] ahi, long[] alo, long[] bhi, long[] blo, long[] chi, long[] clo,
                                       long[] ohi, long[] olo, int n);

        static native void r128_shr(long[] hi, long[] lo, int bits, long[] ohi, long[] olo, int n);

        static native int r128_matmul(long[] ahi, long[] alo, int transA, long[] bhi, long[] blo, int transB,
                                      int m, int k, int n, long[] ohi, long[] olo, int threads);

        static native int r128_use_simd(int on);

        static native long r128_peak_kernel(int kind, long iterations, int threads);

        static native int r128_gemm_available();

        static native void r128_matmul_reference(long[] ahi, long[] alo, long[] bhi, long[] blo, int m, int k, int n,
                                                 long[] ohi, long[] olo);

        static native void r128_im2col(long[] hi, long[] lo, int batch, int channels, int height, int width,
                                       int kernel, int stride, int padding, long[] ohi, long[] olo);

        static native void r128_col2im(long[] hi, long[] lo, int batch, int channels, int height, int width,
                                       int kernel, int stride, int padding, long[] ohi, long[] olo);
    }
}
