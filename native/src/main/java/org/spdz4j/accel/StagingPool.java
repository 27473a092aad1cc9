package org.spdz4j.accel;

import com.sun.jna.Pointer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * The host buffers through which a GPU's tensors are copied: page-locked memory
 * ({@code r128d_host_alloc}) that Java's words are written into in one copy, and that the copy
 * engine reads or writes in one transfer. Passing the Java arrays to the library instead cost a
 * copy by JNA into fresh native memory and back out, and the driver's own copy through its
 * staging memory: about 1 GB/s on an H100 machine, half of the exact-ReLU step.
 *
 * <p>One pool per library, shared by the parties' threads: a buffer serves one copy at a time.
 * Buffers are kept for the next copy (page-locking memory is slow), at most {@value #KEPT} of
 * them and 1 GiB; the one used longest ago goes first. Sizes are powers of two, so a step's many
 * sizes share a few.
 */
final class StagingPool {
    private static final int KEPT = 8;
    private static final long KEPT_WORDS = 1L << 27;   // 1 GiB
    private static final long LEAST_WORDS = 1L << 16;

    private final DeviceLibrary lib;
    private final String label;
    private final Deque<Staged> idle = new ArrayDeque<>();   // the last used first
    private long idleWords;

    private record Staged(long address, long words) {
    }

    StagingPool(DeviceLibrary lib, String label) {
        this.lib = lib;
        this.label = label;
    }

    /** Runs {@code copy} on a buffer of at least {@code words} words and returns its status code. */
    int through(long words, ToIntFunction<Pointer> copy) {
        Staged s = take(words);
        try {
            return copy.applyAsInt(new Pointer(s.address));
        } finally {
            give(s);
        }
    }

    private Staged take(long words) {
        synchronized (this) {
            for (Iterator<Staged> it = idle.iterator(); it.hasNext(); ) {
                Staged s = it.next();
                if (s.words >= words) {
                    it.remove();
                    idleWords -= s.words;
                    return s;
                }
            }
        }
        long size = Math.max(LEAST_WORDS, Long.highestOneBit(words - 1) << 1);
        long[] address = new long[1];
        int code = lib.r128d_host_alloc(size, address);
        if (code != 0) {
            throw new DeviceException(label, code, lib.r128d_error_string(code),
                    "allocation of a page-locked host buffer of " + (8 * size >> 20) + " MiB");
        }
        return new Staged(address[0], size);
    }

    private void give(Staged s) {
        List<Staged> dropped = new ArrayList<>();
        synchronized (this) {
            idle.addFirst(s);
            idleWords += s.words;
            while (idle.size() > KEPT || (idleWords > KEPT_WORDS && idle.size() > 1)) {
                Staged oldest = idle.removeLast();
                idleWords -= oldest.words;
                dropped.add(oldest);
            }
        }
        for (Staged d : dropped) {
            lib.r128d_host_free(d.address);
        }
    }
}
