package org.spdz4j.core.ring;

import java.nio.ByteBuffer;

/**
 * The words of a {@link Ring128Tensor} held by a device backend (GPU memory, say). The tensor
 * copies them to the host only when host code first reads it, so results stay on the device
 * between operations and only what is sent, saved or printed crosses to the host.
 *
 * <pre>{@code
 * Ring128Tensor t = Ring128Tensor.onDevice(shape, buffer);   // buffer implements DeviceWords
 * long[] hi = t.hiWords();                                   // downloads once
 * }</pre>
 */
public interface DeviceWords {

    /** Copies the {@code hi.length} elements into {@code hi} and {@code lo}. */
    void download(long[] hi, long[] lo);

    /**
     * Copies elements {@code [first, first + count)} into {@code dst} at its position in
     * {@linkplain Ring128Tensor#writeWords the planar little-endian layout} and advances it,
     * straight from where the words live; returns false, copying nothing, where the host cannot
     * read that memory (a GPU's). The default returns false.
     */
    default boolean copyWords(int first, int count, ByteBuffer dst) {
        return false;
    }
}
