package org.spdz4j.core.prg;

import java.nio.ByteBuffer;
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
    private final byte[] seed;
    private final SecretKeySpec key;

    /** A generator keyed by {@code seed} ({@value #SEED_BYTES} bytes, from a cryptographic source). */
    public AesCtrPrg(byte[] seed) {
        if (seed == null || seed.length != SEED_BYTES) {
            throw new IllegalArgumentException("PRG seed must be " + SEED_BYTES + " bytes, got "
                    + (seed == null ? "null" : seed.length));
        }
        this.seed = seed.clone();
        this.key = new SecretKeySpec(this.seed, "AES");
    }

    /** A seed from the platform's cryptographically strong generator. */
    public static byte[] freshSeed() {
        byte[] seed = new byte[SEED_BYTES];
        new SecureRandom().nextBytes(seed);
        return seed;
    }

    /**
     * A uniformly random ring tensor: stream {@code stream} at step {@code step}, expanded by the
     * current backend (in native memory where it has an AES kernel).
     */
    public Ring128Tensor tensor(Shape shape, int stream, int step) {
        return Ring128Tensor.aesCounterWords(shape, seed, counterBlock(stream, step));
    }

    /** {@code length} pseudorandom bytes of stream {@code stream} at step {@code step}, e.g. a derived seed. */
    public byte[] bytes(int length, int stream, int step) {
        try {
            return counterCipher(stream, step).doFinal(new byte[length]);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-CTR keystream failed", e);
        }
    }

    private static byte[] counterBlock(int stream, int step) {
        return ByteBuffer.allocate(16).putInt(stream).putInt(step).putLong(0).array();
    }

    private Cipher counterCipher(int stream, int step) {
        byte[] iv = counterBlock(stream, step);
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
