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
    void rejectsBadSeeds() {
        assertThrows(IllegalArgumentException.class, () -> new AesCtrPrg(new byte[15]));
        assertEquals("AesCtrPrg[key hidden]", new AesCtrPrg(new byte[16]).toString());
    }
}
