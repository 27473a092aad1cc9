package org.spdz4j.core.prg;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import javax.crypto.Cipher;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/**
 * Cryptographic PRG: AES-128 in counter mode under a 16-byte seed. Output is addressed by
 * (stream, step): the counter block is {@code stream (4 bytes) | step (4 bytes) | block (8 bytes)},
 * so any stream of any step can be generated independently, in parallel, in any order.
 * Each ring element consumes one AES block (128 uniform bits).
 *
 * <pre>{@code
 * AesCtrPrg prg = new AesCtrPrg(AesCtrPrg.freshSeed());
 * Ring128Tensor mask = prg.tensor(Shape.of(128, 10), 7, 0);   // stream 7, step 0
 * }</pre>
 */
public final class AesCtrPrg {
    /** Bytes in a seed (an AES-128 key). */
    public static final int SEED_BYTES = 16;
    /** Bytes generated per cipher call: large enough to amortise the call, small enough for L2. */
    private static final int CHUNK_BYTES = 1 << 16;

    private final SecretKeySpec key;

    /** A generator keyed by {@code seed} ({@value #SEED_BYTES} bytes, from a cryptographic source). */
    public AesCtrPrg(byte[] seed) {
        if (seed == null || seed.length != SEED_BYTES) {
            throw new IllegalArgumentException("PRG seed must be " + SEED_BYTES + " bytes, got "
                    + (seed == null ? "null" : seed.length));
        }
        this.key = new SecretKeySpec(seed.clone(), "AES");
    }

    /** A seed from the platform's cryptographically strong generator. */
    public static byte[] freshSeed() {
        byte[] seed = new byte[SEED_BYTES];
        new SecureRandom().nextBytes(seed);
        return seed;
    }

    /** A uniformly random ring tensor: stream {@code stream} at step {@code step}. */
    public Ring128Tensor tensor(Shape shape, int stream, int step) {
        int n = shape.size();
        long[] hi = new long[n];
        long[] lo = new long[n];
        Cipher cipher = counterCipher(stream, step);
        byte[] zeros = new byte[Math.min(CHUNK_BYTES, Math.max(16, n * 16))];
        byte[] out = new byte[zeros.length];
        ByteBuffer words = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        int i = 0;
        try {
            while (i < n) {
                int elements = Math.min(n - i, zeros.length / 16);
                cipher.update(zeros, 0, elements * 16, out, 0);
                for (int e = 0; e < elements; e++, i++) {
                    lo[i] = words.getLong(e * 16);
                    hi[i] = words.getLong(e * 16 + 8);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR keystream failed", e);
        }
        return Ring128Tensor.wrap(shape, hi, lo);
    }

    /** {@code length} pseudorandom bytes of stream {@code stream} at step {@code step}, e.g. a derived seed. */
    public byte[] bytes(int length, int stream, int step) {
        try {
            return counterCipher(stream, step).doFinal(new byte[length]);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR keystream failed", e);
        }
    }

    private Cipher counterCipher(int stream, int step) {
        byte[] iv = ByteBuffer.allocate(16).putInt(stream).putInt(step).putLong(0).array();
        try {
            Cipher cipher = Cipher.getInstance("AES/CTR/NoPadding");
            cipher.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(iv));
            return cipher;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES/CTR/NoPadding is not available in this JDK", e);
        }
    }

    @Override
    public String toString() {
        return "AesCtrPrg[key hidden]";
    }
}
