package org.spdz4j.accel;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.lang.ref.Cleaner;
import java.lang.ref.Reference;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntSupplier;
import java.util.function.LongConsumer;
import org.spdz4j.core.ring.Conv2dGeometry;
import org.spdz4j.core.ring.DeviceWords;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.RingBackend;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.ring.WordSink;

/**
 * Ring arithmetic on a device: every result stays in device memory ({@link DeviceWords}) and
 * only what host code reads (what is sent to a peer, saved or decoded) is copied back; host
 * tensors are uploaded once and keep their device copy. {@link #cuda()} runs on the GPU
 * ({@code libspdz4j_cuda.so}, built when nvcc is present); {@link #hostEmulation()} runs the
 * same kernels on the host so the device path is tested without a GPU. Device memory is freed
 * when the tensors holding it are collected. Every error code becomes a {@link DeviceException}.
 *
 * <pre>{@code
 * if (DeviceRingBackend.cudaAvailable()) {
 *     RingBackends.use(DeviceRingBackend.cuda());
 * }
 * }</pre>
 */
public final class DeviceRingBackend implements RingBackend {
    private static final int OUT_OF_MEMORY = 2;   // cudaErrorMemoryAllocation
    private static final int HOST_OUT_OF_MEMORY = -2;
    private static final Cleaner CLEANER = Cleaner.create();
    private static final long COLLECT_EVERY_BYTES = Long.getLong("spdz4j.collectEvery", 512L << 20);

    private final DeviceLibrary lib;
    private final String device;
    private final String label;
    private final boolean aesKernel;
    private final boolean hostReadable;   // buffers in host memory, words little-endian: read and written in place
    private final StagingPool staging;    // the host buffers of the other libraries' copies
    private final int threads;   // the native host library's loop threads (0 for the other libraries)
    private final AtomicLong uploaded = new AtomicLong();
    private final AtomicLong sinceCollection = new AtomicLong();
    private final AtomicLong downloaded = new AtomicLong();
    private volatile DeviceProfile profile; // null unless profiling (system property spdz4j.deviceProfile)
    // index maps uploaded once, by the array (a derivation's are planned once and used every step)
    private final Map<int[], Indices> indices = Collections.synchronizedMap(new WeakHashMap<>());

    private DeviceRingBackend(Loaded loaded) {
        this(loaded, -1);
    }

    /** With {@code threads >= 0}, sets the (native host) library's thread count: 0 is OpenMP's default. */
    private DeviceRingBackend(Loaded loaded, int threads) {
        if (loaded.failure != null) {
            throw new IllegalStateException(loaded.label + " backend unavailable: " + loaded.failure);
        }
        this.lib = loaded.lib;
        this.device = loaded.device;
        this.label = loaded.label;
        this.aesKernel = loaded.aesKernel;
        // the host emulation copies through staging buffers as a GPU does, so that CI runs that path
        this.hostReadable = loaded.label.equals("native") && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;
        this.staging = loaded.staging;
        this.threads = threads < 0 ? 0 : lib.r128d_set_threads(threads);
        this.profile = DeviceProfile.ifRequested(name());
    }

    /** The CUDA backend on GPU 0; throws naming the reason when there is none. */
    public static DeviceRingBackend cuda() {
        return new DeviceRingBackend(Cuda.LOADED);
    }

    /** Whether the CUDA library loaded and found a GPU. */
    public static boolean cudaAvailable() {
        return Cuda.LOADED.failure == null;
    }

    /** Why {@link #cuda()} is unavailable, or null. */
    public static String cudaUnavailableReason() {
        return Cuda.LOADED.failure;
    }

    /**
     * The C kernels with every tensor's words in native memory: the device path on the CPU, so
     * results stay out of the JVM's arrays between kernels (no JNA array copies per call), each
     * kernel an OpenMP loop, the product the C backend's.
     */
    public static DeviceRingBackend nativeHost() {
        return nativeHost(0);
    }

    /**
     * As {@link #nativeHost()}, its kernels on {@code threads} threads ({@code 0}: OpenMP's
     * default, {@code OMP_NUM_THREADS} or every core). The count belongs to the process's one
     * native library: the last backend made sets it for all.
     */
    public static DeviceRingBackend nativeHost(int threads) {
        if (threads < 0) {
            throw new IllegalArgumentException("threads must be 0 (OpenMP's default) or positive, not " + threads);
        }
        return new DeviceRingBackend(NativeHost.LOADED, threads);
    }

    /** Whether the native-memory CPU library is built. */
    public static boolean nativeHostAvailable() {
        return NativeHost.LOADED.failure == null;
    }

    /** The device kernels run on the host: for tests of the device path on machines with no GPU. */
    public static DeviceRingBackend hostEmulation() {
        return new DeviceRingBackend(Emulation.LOADED);
    }

    /** Whether the host emulation library is built. */
    public static boolean hostEmulationAvailable() {
        return Emulation.LOADED.failure == null;
    }

    @Override
    public String name() {
        return switch (label) {
            case "CUDA" -> "cuda(" + device + ")";
            case "native" -> "native(" + device + ", " + threads + (threads == 1 ? " thread)" : " threads)");
            default -> "device(" + device + ")";
        };
    }

    /** Bytes copied to the device so far. */
    public long uploadedBytes() {
        return uploaded.get();
    }

    /** Bytes copied back to the host so far. */
    public long downloadedBytes() {
        return downloaded.get();
    }

    /** Waits for every queued kernel (for timing); reports a kernel fault as a {@link DeviceException}. */
    public void sync() {
        check(lib.r128d_sync(), "synchronize");
    }

    /** Times every later call into {@code p} (see {@link DeviceProfile}), or stops timing if null. */
    void profileInto(DeviceProfile p) {
        profile = p;
    }

    /** {@code call}'s status code, the call timed into the profile under its operation's kind when profiling. */
    private int call(String operation, IntSupplier call) {
        DeviceProfile p = profile;
        return p == null ? call.getAsInt() : p.time(DeviceProfile.kind(operation), this::sync, call);
    }

    /** Counts {@code bytes} copied one way ({@code direction}), and into the profile by caller when profiling. */
    private void copied(AtomicLong counter, String direction, long bytes) {
        counter.addAndGet(bytes);
        DeviceProfile p = profile;
        if (p != null) {
            p.copied(direction, bytes);
        }
    }

    /** The buffer holding {@code t} on this device, uploading it (once) if it is a host tensor. */
    private Buffer resident(Ring128Tensor t) {
        if (onDevice(t)) {
            return (Buffer) t.deviceWords();
        }
        long[] hi = t.hiWords();
        long[] lo = t.loWords();
        int n = t.size();
        Buffer b = filledBy(n, 16L * n, n + " elements", at -> {
            Pointer p = new Pointer(at);
            p.write(0, hi, 0, n);
            p.write(8L * n, lo, 0, n);
        });
        t.attachDevice(b);
        return b;
    }

    /** A new buffer of {@code elements} that {@code writer} fills with {@code bytes} of words (described as {@code what}). */
    private Buffer filledBy(long elements, long bytes, String what, LongConsumer writer) {
        Buffer b = allocate(elements);
        check(call("upload", () -> upload(b, writer)), "upload of " + what);
        copied(uploaded, "upload", bytes);
        return b;
    }

    /**
     * Fills {@code b} with what {@code writer} writes at the host address it is given: in place
     * where buffers are host memory, else into a staging buffer copied over in one transfer.
     */
    private int upload(Buffer b, LongConsumer writer) {
        if (hostReadable) {
            writer.accept(b.address);
            return 0;
        }
        return staging.through(2 * b.size, s -> {
            long at = Pointer.nativeValue(s);
            writer.accept(at);
            return lib.r128d_upload_staged(b.address, at, b.size);
        });
    }

    /** {@code values} as they are (int32) in a device buffer (of a quarter as many elements, rounded up). */
    private Buffer ints(int[] values) {
        Indices known = indices.get(values);
        if (known != null && Arrays.equals(known.values, values)) { // an array changed since is uploaded again
            return known.buffer;
        }
        Buffer b = filledBy((values.length + 3) / 4, 4L * values.length, values.length + " indices",
                at -> new Pointer(at).write(0, values, 0, values.length));
        indices.put(values, new Indices(values.clone(), b));
        return b;
    }

    /** An index array as it was uploaded, and its device copy (kept while the array is reachable). */
    private record Indices(int[] values, Buffer buffer) {
    }

    /** Whether {@code t}'s words are in this library's memory (a host tensor is left where it is by the data movement). */
    private boolean onDevice(Ring128Tensor t) {
        return t.deviceWords() instanceof Buffer b && b.owner.lib == lib;
    }

    /** {@code words} as they are in a device buffer (of half as many elements, rounded up). */
    private Buffer words(long[] words) {
        return filledBy((words.length + 1) / 2, 8L * words.length, words.length + " words",
                at -> new Pointer(at).write(0, words, 0, words.length));
    }

    private Buffer allocate(long n) {
        collectEvery(16L * n);
        long[] address = new long[1];
        for (int attempt = 0; ; attempt++) {
            int code = lib.r128d_alloc(n, address);
            if (code == 0) {
                return new Buffer(this, address[0], n);
            }
            if ((code != OUT_OF_MEMORY && code != HOST_OUT_OF_MEMORY) || attempt == 3) {
                check(code, "allocation of " + n + " elements (" + (16 * n >> 20) + " MiB)");
            }
            // device memory is freed by the cleaner: let the collector find dead tensors first
            System.gc();
            try {
                Thread.sleep(20L << attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                check(code, "allocation of " + n + " elements (interrupted while waiting for memory)");
            }
        }
    }

    /**
     * Device memory comes back only when the collector finds the tensors holding it dead, and
     * the JVM's heap, which holds only their small handles, sees no pressure to collect: so
     * every 512 MiB allocated here (system property {@code spdz4j.collectEvery}, in bytes) asks
     * for a collection, and freed buffers return to the library's cache instead of piling up (a
     * fresh host buffer costs a page fault per 4 KiB on first touch; on a GPU, memory runs out).
     * Half a GiB keeps what one collection frees within the native cache's 2 GiB.
     */
    private void collectEvery(long bytes) {
        if (sinceCollection.addAndGet(bytes) > COLLECT_EVERY_BYTES) {
            sinceCollection.set(0);
            System.gc();
        }
    }

    DeviceLibrary library() {
        return lib;
    }

    void check(int code, String operation) {
        if (code != 0) {
            throw new DeviceException(label, code, lib.r128d_error_string(code), operation);
        }
    }

    /** Allocates the output, runs {@code kernel} on it and keeps the operands alive until it returns. */
    private Ring128Tensor run(String operation, Shape out, Kernel kernel, Buffer... operands) {
        Buffer o = allocate(out.size());
        try {
            check(call(operation, () -> kernel.run(o.address)), operation);
        } finally {
            Reference.reachabilityFence(operands);
        }
        return Ring128Tensor.onDevice(out, o);
    }

    @FunctionalInterface
    private interface Kernel {
        int run(long out);
    }

    @Override
    public Ring128Tensor filled(Shape shape, long value) {
        return run("fill", shape, o -> lib.r128d_fill(o, shape.size(), value));
    }

    /** The PRG's expansion straight into native memory where the library has the AES kernel, else the JDK's. */
    @Override
    public Ring128Tensor aesCounterWords(Shape shape, byte[] key, byte[] counter) {
        if (!aesKernel) {
            return RingBackend.super.aesCounterWords(shape, key, counter);
        }
        return run("AES keystream", shape, o -> lib.r128d_aes_ctr(key, counter, o, shape.size()));
    }

    @Override
    public Ring128Tensor add(Ring128Tensor a, Ring128Tensor b) {
        Buffer x = resident(a);
        Buffer y = resident(b);
        return run("add", a.shape(), o -> lib.r128d_add(x.address, y.address, o, a.size()), x, y);
    }

    @Override
    public Ring128Tensor sub(Ring128Tensor a, Ring128Tensor b) {
        Buffer x = resident(a);
        Buffer y = resident(b);
        return run("sub", a.shape(), o -> lib.r128d_sub(x.address, y.address, o, a.size()), x, y);
    }

    @Override
    public Ring128Tensor mul(Ring128Tensor a, Ring128Tensor b) {
        Buffer x = resident(a);
        Buffer y = resident(b);
        return run("mul", a.shape(), o -> lib.r128d_mul(x.address, y.address, o, a.size()), x, y);
    }

    @Override
    public Ring128Tensor slice(Ring128Tensor a, int offset, Shape shape) {
        if (!onDevice(a)) {
            return RingBackend.super.slice(a, offset, shape);
        }
        Buffer x = resident(a);
        return run("slice", shape, o -> lib.r128d_slice(x.address, a.size(), offset, o, shape.size()), x);
    }

    @Override
    public Ring128Tensor concat(List<Ring128Tensor> parts, int total) {
        if (parts.stream().noneMatch(this::onDevice)) {
            return RingBackend.super.concat(parts, total);
        }
        Buffer o = allocate(total);
        int at = 0;
        for (Ring128Tensor p : parts) {
            Buffer x = resident(p);
            int offset = at;
            try {
                check(call("concat", () -> lib.r128d_place(x.address, p.size(), o.address, total, offset)), "concat");
            } finally {
                Reference.reachabilityFence(x);
            }
            at += p.size();
        }
        return Ring128Tensor.onDevice(Shape.of(total), o);
    }

    @Override
    public Ring128Tensor map(Ring128Tensor a, int[] plus, int[] minus, Shape shape) {
        if (!onDevice(a)) {
            return RingBackend.super.map(a, plus, minus, shape);
        }
        Buffer x = resident(a);
        Buffer p = ints(plus);
        Buffer m = minus == null ? null : ints(minus);
        return run("map", shape, o -> lib.r128d_map(x.address, a.size(), p.address, m == null ? 0 : m.address, o,
                shape.size()), x, p, m);
    }

    @Override
    public Ring128Tensor select(long[] bits, Ring128Tensor ifZero, Ring128Tensor ifOne) {
        Buffer x = resident(ifZero);
        Buffer y = resident(ifOne);
        Buffer w = words(bits);
        return run("select", ifZero.shape(), o -> lib.r128d_select(w.address, x.address, y.address, o, ifZero.size()),
                x, y, w);
    }

    @Override
    public Ring128Tensor and(Ring128Tensor a, long hi, long lo) {
        Buffer x = resident(a);
        return run("and", a.shape(), o -> lib.r128d_and(x.address, hi, lo, o, a.size()), x);
    }

    @Override
    public Ring128Tensor clearWords(Ring128Tensor a, long from, long to) {
        Buffer x = resident(a);
        return run("clear words", a.shape(), o -> lib.r128d_clear_words(x.address, from, to, o, a.size()), x);
    }

    @Override
    public Ring128Tensor fromBitRows(Ring128Tensor t, long firstWord, int rows, int n) {
        if (!onDevice(t) || hostReadable) { // bits the host has (a dealer's), or can read: by transposes there
            return RingBackend.super.fromBitRows(t, firstWord, rows, n);
        }
        Buffer x = resident(t);
        return run("from bit rows", Shape.of(n), o -> lib.r128d_from_bit_rows(x.address, t.size(), firstWord, rows, o, n), x);
    }

    @Override
    public Ring128Tensor packLowBits(Ring128Tensor a, int bits) {
        Buffer x = resident(a);
        int n = Ring128Tensor.packedSize(a.size(), bits);
        return run("pack", Shape.of(n), o -> lib.r128d_pack(x.address, a.size(), bits, o, n), x);
    }

    @Override
    public Ring128Tensor addPacked(Ring128Tensor mine, Ring128Tensor packed, int bits) {
        Buffer x = resident(mine);
        Buffer p = resident(packed);
        return run("add packed", mine.shape(), o -> lib.r128d_add_packed(x.address, p.address, packed.size(), bits, o,
                mine.size()), x, p);
    }

    @Override
    public long[] outside(Ring128Tensor a, long lowHi, long lowLo, long highHi, long highLo) {
        if (!onDevice(a)) {
            return RingBackend.super.outside(a, lowHi, lowLo, highHi, highLo);
        }
        Buffer x = resident(a);
        int n = (a.size() + 127) / 128;
        Ring128Tensor flags = run("range check", Shape.of(n), o -> lib.r128d_outside(x.address, a.size(), lowHi, lowLo,
                highHi, highLo, o, n), x);
        return bitWords(flags, (a.size() + 63) / 64); // a bit an element: 1/128 of the tensor's bytes come back
    }

    @Override
    public long[] bitRows(Ring128Tensor t, int rows) {
        if (!onDevice(t) || hostReadable) { // the kernel reads each element once a row: a GPU's bandwidth pays for that
            return RingBackend.super.bitRows(t, rows);
        }
        Buffer x = resident(t);
        int count = rows * ((t.size() + 63) / 64);
        int n = (count + 1) / 2;
        Ring128Tensor sliced = run("bit rows", Shape.of(n), o -> lib.r128d_bit_rows(x.address, t.size(), rows, o, n), x);
        return bitWords(sliced, count); // rows / 128 of the tensor's bytes come back
    }

    /** The first {@code count} words of a tensor holding words two to an element (low first), copied to the host. */
    private static long[] bitWords(Ring128Tensor t, int count) {
        long[] hi = t.hiWords();
        long[] lo = t.loWords();
        long[] words = new long[count];
        for (int k = 0; k < count; k++) {
            words[k] = (k & 1) == 0 ? lo[k >>> 1] : hi[k >>> 1];
        }
        return words;
    }

    @Override
    public Ring128Tensor beaverElementwise(boolean withOpenedProduct, Ring128Tensor e, Ring128Tensor f, Ring128Tensor a,
                                           Ring128Tensor b, Ring128Tensor c) {
        Buffer[] in = {resident(e), resident(f), resident(a), resident(b), resident(c)};
        return run("Beaver combination", e.shape(), o -> lib.r128d_beaver(withOpenedProduct ? 1 : 0, in[0].address,
                in[1].address, in[2].address, in[3].address, in[4].address, o, e.size()), in);
    }

    @Override
    public Ring128Tensor shiftRight(Ring128Tensor a, int bits) {
        Buffer x = resident(a);
        return run("shift right", a.shape(), o -> lib.r128d_shr(x.address, bits, o, a.size()), x);
    }

    @Override
    public Ring128Tensor shiftLeft(Ring128Tensor a, int bits) {
        Buffer x = resident(a);
        return run("shift left", a.shape(), o -> lib.r128d_shl(x.address, bits, o, a.size()), x);
    }

    @Override
    public Ring128Tensor matmul(Ring128Tensor a, boolean transA, Ring128Tensor b, boolean transB, Shape out) {
        int k = transA ? a.shape().dim(0) : a.shape().dim(1);
        Buffer x = resident(a);
        Buffer y = resident(b);
        return run("matmul " + out.dim(0) + "x" + k + "x" + out.dim(1), out, o -> lib.r128d_matmul(x.address,
                transA ? 1 : 0, y.address, transB ? 1 : 0, out.dim(0), k, out.dim(1), o), x, y);
    }

    @Override
    public Ring128Tensor im2col(Ring128Tensor a, Conv2dGeometry g) {
        Buffer x = resident(a);
        return run("im2col", g.columnShape(), o -> lib.r128d_im2col(x.address, g.batch(), g.channels(), g.height(),
                g.width(), g.kernel(), g.stride(), g.padding(), o), x);
    }

    @Override
    public Ring128Tensor col2im(Ring128Tensor a, Conv2dGeometry g) {
        Buffer x = resident(a);
        return run("col2im", g.inputShape(), o -> lib.r128d_col2im(x.address, g.batch(), g.channels(), g.height(),
                g.width(), g.kernel(), g.stride(), g.padding(), o), x);
    }

    @Override
    public Ring128Tensor sumPool(Ring128Tensor a, int k, Shape out) {
        Shape in = a.shape();
        Buffer x = resident(a);
        return run("sum pooling", out, o -> lib.r128d_sum_pool(x.address, (long) in.dim(0) * in.dim(1), in.dim(2),
                in.dim(3), k, o), x);
    }

    @Override
    public Ring128Tensor repeat(Ring128Tensor a, int k, Shape out) {
        Shape in = a.shape();
        Buffer x = resident(a);
        return run("repeat", out, o -> lib.r128d_repeat(x.address, (long) in.dim(0) * in.dim(1), in.dim(2),
                in.dim(3), k, o), x);
    }

    @Override
    public Ring128Tensor swapLeadingAxes(Ring128Tensor a) {
        Shape in = a.shape();
        Buffer x = resident(a);
        return run("axis swap", Shape.of(in.dim(1), in.dim(0), in.dim(2), in.dim(3)), o -> lib.r128d_swap(x.address,
                in.dim(0), in.dim(1), (long) in.dim(2) * in.dim(3), o), x);
    }

    @Override
    public Ring128Tensor rowSums(Ring128Tensor a) {
        Shape in = a.shape();
        Buffer x = resident(a);
        return run("row sums", Shape.of(in.dim(0)), o -> lib.r128d_row_sums(x.address, in.dim(0), in.dim(1), o), x);
    }

    @Override
    public Ring128Tensor broadcastRows(Ring128Tensor a, int rows) {
        int cols = a.shape().dim(0);
        Buffer x = resident(a);
        return run("broadcast rows", Shape.of(rows, cols), o -> lib.r128d_broadcast_rows(x.address, rows, cols, o), x);
    }

    @Override
    public Ring128Tensor broadcastColumns(Ring128Tensor a, int columns) {
        int rows = a.shape().dim(0);
        Buffer x = resident(a);
        return run("broadcast columns", Shape.of(rows, columns),
                o -> lib.r128d_broadcast_columns(x.address, rows, columns, o), x);
    }

    /**
     * Native memory for received words where the buffers are host memory (the words go from
     * the frames straight there); null for a GPU, whose words arrive in heap arrays. Memory of a
     * fresh buffer is committed page by page as the chunks arrive.
     */
    @Override
    public WordSink wordSink(int size) {
        if (!hostReadable || size <= 0) {
            return null;
        }
        return allocate(size);
    }

    /** A device buffer of {@code size} elements, freed when no tensor holds it any more. */
    private static final class Buffer implements WordSink {
        final DeviceRingBackend owner;
        final long address;
        final long size;

        Buffer(DeviceRingBackend owner, long address, long size) {
            this.owner = owner;
            this.address = address;
            this.size = size;
            DeviceLibrary lib = owner.lib;
            CLEANER.register(this, () -> lib.r128d_free(address));
        }

        @Override
        public void download(long[] hi, long[] lo) {
            try {
                owner.check(owner.call("download", () -> download(owner.lib, hi, lo)), "download of " + size + " elements");
            } finally {
                Reference.reachabilityFence(this);
            }
            owner.copied(owner.downloaded, "download", 16L * size);
        }

        /** Copies the words out: in place where buffers are host memory, else through a staging buffer. */
        private int download(DeviceLibrary lib, long[] hi, long[] lo) {
            if (owner.hostReadable) {
                read(address, hi, lo);
                return 0;
            }
            return owner.staging.through(2 * size, s -> {
                long at = Pointer.nativeValue(s);
                int code = lib.r128d_download_staged(address, at, size);
                if (code == 0) {
                    read(at, hi, lo);
                }
                return code;
            });
        }

        /** Reads the words from host memory at {@code at}, laid out as this buffer's. */
        private void read(long at, long[] hi, long[] lo) {
            Pointer p = new Pointer(at);
            p.read(0, hi, 0, hi.length);
            p.read(8L * size, lo, 0, lo.length);
        }

        /**
         * A view of words {@code [first, first + count)} of the high ({@code part} 0) or low
         * ({@code part} 1) half; host-memory buffers only.
         */
        private ByteBuffer half(int part, int first, int count) {
            return new Pointer(address).getByteBuffer(8L * (part * size + first), 8L * count);
        }

        /** Host-memory buffers only (see {@link #wordSink}): two copies into native memory. */
        @Override
        public void readWords(int first, int count, ByteBuffer src) {
            Objects.checkFromIndexSize(first, count, size);
            if (src.remaining() < 16L * count) {
                throw new IndexOutOfBoundsException(16L * count + " bytes from a buffer holding " + src.remaining());
            }
            try {
                ByteBuffer part = src.duplicate();
                half(0, first, count).put(part.limit(part.position() + 8 * count));
                half(1, first, count).put(part.limit(part.position() + 8 * count));
            } finally {
                Reference.reachabilityFence(this);
            }
            src.position(src.position() + 16 * count);
            owner.copied(owner.uploaded, "upload", 16L * count);
        }

        /** Host-memory buffers only: two copies from native memory, no heap arrays. */
        @Override
        public boolean copyWords(int first, int count, ByteBuffer dst) {
            if (!owner.hostReadable) {
                return false;
            }
            Objects.checkFromIndexSize(first, count, size);
            try {
                dst.put(half(0, first, count)).put(half(1, first, count));
            } finally {
                Reference.reachabilityFence(this);
            }
            owner.copied(owner.downloaded, "download", 16L * count);
            return true;
        }
    }

    // each library is loaded and initialised on first use only (holder classes)
    private static final class Cuda {
        static final Loaded LOADED = Loaded.load("spdz4j_cuda", "CUDA");
    }

    private static final class NativeHost {
        static final Loaded LOADED = Loaded.load("spdz4j_devcpu", "native");
    }

    private static final class Emulation {
        static final Loaded LOADED = Loaded.load("spdz4j_devhost", "host emulation");
    }

    /** A loaded and initialised library, or why not. */
    private record Loaded(DeviceLibrary lib, String device, String label, boolean aesKernel, StagingPool staging,
                          String failure) {
        static Loaded load(String library, String label) {
            DeviceLibrary lib;
            try {
                lib = Native.load(library, DeviceLibrary.class);
            } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                return new Loaded(null, null, label, false, null, "lib" + library + ".so not loaded: " + e.getMessage());
            }
            byte[] name = new byte[256];
            int code = lib.r128d_init(name, name.length);
            if (code != 0) {
                return new Loaded(null, null, label, false, null, "no usable device: error " + code + " (" + lib.r128d_error_string(code) + ")");
            }
            int end = 0;
            while (end < name.length && name[end] != 0) {
                end++;
            }
            return new Loaded(lib, new String(name, 0, end, StandardCharsets.UTF_8), label, hasAesKernel(lib),
                    new StagingPool(lib, label), null);
        }

        /** Whether the library has the AES kernel: the CUDA and emulation libraries do, the native one where the CPU has AES-NI. */
        private static boolean hasAesKernel(DeviceLibrary lib) {
            try {
                return lib.r128d_has_aes() == 1;
            } catch (UnsatisfiedLinkError e) {
                return false;
            }
        }
    }
}
