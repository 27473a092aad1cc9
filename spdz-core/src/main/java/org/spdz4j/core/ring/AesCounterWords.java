package org.spdz4j.core.ring;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * The AES-128 counter-mode keystream as ring elements, computed with the JDK's cipher: the
 * default of {@link RingBackend#aesCounterWords}, which a backend with its own AES kernel
 * overrides bit for bit. Element i is the block {@code AES_key(counter + i)} (the counter a
 * big-endian 128-bit number), its first 8 bytes little-endian the low word, the next 8 the high.
 */
final class AesCounterWords {
    /** Bytes of AES key and of counter block. */
    static final int BLOCK_BYTES = 16;
    /** Bytes generated per cipher call: large enough to amortise the call, small enough for L2. */
    private static final int CHUNK_BYTES = 1 << 16;

    private AesCounterWords() {
    }

    static Ring128Tensor onHost(Shape shape, byte[] key, byte[] counter) {
        int n = shape.size();
        long[] hi = new long[n];
        long[] lo = new long[n];
        byte[] zeros = new byte[Math.min(CHUNK_BYTES, Math.max(BLOCK_BYTES, n * BLOCK_BYTES))];
        byte[] out = new byte[zeros.length];
        ByteBuffer words = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        try {
            Cipher cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "AES"), new IvParameterSpec(counter));
            int i = 0;
            while (i < n) {
                int elements = Math.min(n - i, zeros.length / BLOCK_BYTES);
                cipher.update(zeros, 0, elements * BLOCK_BYTES, out, 0);
                for (int e = 0; e < elements; e++, i++) {
                    lo[i] = words.getLong(e * BLOCK_BYTES);
                    hi[i] = words.getLong(e * BLOCK_BYTES + 8);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR/NoPadding keystream failed", e);
        }
        return Ring128Tensor.wrap(shape, hi, lo);
    }
}
