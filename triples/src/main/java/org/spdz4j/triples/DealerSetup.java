package org.spdz4j.triples;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.transport.ProtocolException;

/** The dealer's one setup message to a party: its PRG seed and the dealer's plan hash. */
record DealerSetup(byte[] seed, byte[] planHash) {
    static final int PLAN_HASH_BYTES = 32;

    byte[] encode() {
        return ByteBuffer.allocate(AesCtrPrg.SEED_BYTES + PLAN_HASH_BYTES).put(seed).put(planHash).array();
    }

    static DealerSetup decode(byte[] bytes) {
        if (bytes.length != AesCtrPrg.SEED_BYTES + PLAN_HASH_BYTES) {
            throw new ProtocolException("dealer setup message has " + bytes.length + " bytes, expected "
                    + (AesCtrPrg.SEED_BYTES + PLAN_HASH_BYTES));
        }
        return new DealerSetup(Arrays.copyOf(bytes, AesCtrPrg.SEED_BYTES),
                Arrays.copyOfRange(bytes, AesCtrPrg.SEED_BYTES, bytes.length));
    }

    void requirePlan(byte[] mine, String who) {
        if (!Arrays.equals(planHash, mine)) {
            HexFormat hex = HexFormat.of();
            throw new ProtocolException("plan hash mismatch: " + who + " has " + hex.formatHex(mine)
                    + " but the dealer has " + hex.formatHex(planHash));
        }
    }
}
