package org.spdz4j.core.prg;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

class AesCtrPrgTest {

    @Test
    void firstBlockIsAesOfTheCounterBlock() {
        // FIPS-197 style known answer: AES-128 with the zero key on the zero block
        byte[] block = new AesCtrPrg(new byte[16]).bytes(16, 0, 0);
        assertEquals("66e94bd4ef8a2c3b884cfa59ca342b2e", HexFormat.of().formatHex(block));
        Ring128Tensor t = new AesCtrPrg(new byte[16]).tensor(Shape.of(1), 0, 0);
        assertEquals(0x3b2c8aefd44be966L, t.lo(0));
        assertEquals(0x2e2b34ca59fa4c88L, t.hi(0));
    }

    @Test
    void streamsAreAddressableAndIndependentOfChunking() {
        AesCtrPrg prg = new AesCtrPrg(AesCtrPrg.freshSeed());
        Ring128Tensor big = prg.tensor(Shape.of(10_000), 3, 7);     // crosses several 64 KiB chunks
        Ring128Tensor small = prg.tensor(Shape.of(5000), 3, 7);
        for (int i = 0; i < 5000; i++) {
            assertEquals(big.lo(i), small.lo(i));
            assertEquals(big.hi(i), small.hi(i));
        }
        assertEquals(big, prg.tensor(Shape.of(10_000), 3, 7));
        assertNotEquals(big, prg.tensor(Shape.of(10_000), 4, 7));
        assertNotEquals(big, prg.tensor(Shape.of(10_000), 3, 8));
        assertNotEquals(big, new AesCtrPrg(AesCtrPrg.freshSeed()).tensor(Shape.of(10_000), 3, 7));
    }

    @Test
    void theKeystreamCountsBigEndianAcrossTheLowWord() throws Exception {
        byte[] key = HexFormat.of().parseHex("000102030405060708090a0b0c0d0e0f");
        byte[] counter = HexFormat.of().parseHex("0123456789abcdeffffffffffffffffe");
        Ring128Tensor words = Ring128Tensor.aesCounterWords(Shape.of(3), key, counter);
        javax.crypto.Cipher ecb = javax.crypto.Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(javax.crypto.Cipher.ENCRYPT_MODE, new javax.crypto.spec.SecretKeySpec(key, "AES"));
        String[] blocks = {"0123456789abcdeffffffffffffffffe", "0123456789abcdefffffffffffffffff",
                "0123456789abcdf00000000000000000"};
        for (int i = 0; i < 3; i++) {
            java.nio.ByteBuffer block = java.nio.ByteBuffer.wrap(ecb.doFinal(HexFormat.of().parseHex(blocks[i])))
                    .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            assertEquals(block.getLong(0), words.lo(i), "low word of block " + i);
            assertEquals(block.getLong(8), words.hi(i), "high word of block " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> Ring128Tensor.aesCounterWords(Shape.of(1), new byte[15], counter));
        assertThrows(IllegalArgumentException.class, () -> Ring128Tensor.aesCounterWords(Shape.of(1), key, null));
    }

    @Test
    void rejectsBadSeeds() {
        assertThrows(IllegalArgumentException.class, () -> new AesCtrPrg(new byte[15]));
        assertEquals("AesCtrPrg[key hidden]", new AesCtrPrg(new byte[16]).toString());
    }
}
