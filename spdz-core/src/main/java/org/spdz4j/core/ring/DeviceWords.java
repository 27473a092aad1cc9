package org.spdz4j.core.ring;

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
}
