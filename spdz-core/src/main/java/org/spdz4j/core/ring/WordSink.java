package org.spdz4j.core.ring;

import java.nio.ByteBuffer;

/**
 * Device words that arrive in pieces: a transport fills them chunk by chunk straight from its
 * frames, then wraps them in a tensor, so received words reach native memory without passing
 * through heap arrays. {@link RingBackend#wordSink} hands them out.
 *
 * <pre>{@code
 * WordSink sink = RingBackends.current().wordSink(shape.size());   // null: keep heap arrays
 * sink.readWords(0, count, frameBody);                              // planar little-endian
 * Ring128Tensor t = Ring128Tensor.onDevice(shape, sink);
 * }</pre>
 */
public interface WordSink extends DeviceWords {

    /**
     * Copies elements {@code [first, first + count)} from {@code src} at its position, in
     * {@linkplain Ring128Tensor#writeWords the planar little-endian layout}, and advances it.
     *
     * @throws IndexOutOfBoundsException when the range is outside the words or {@code src} holds
     *                                   fewer than {@code 16 * count} bytes
     */
    void readWords(int first, int count, ByteBuffer src);
}
