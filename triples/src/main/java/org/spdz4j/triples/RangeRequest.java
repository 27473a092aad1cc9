package org.spdz4j.triples;

import java.nio.ByteBuffer;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Tag;

/**
 * A party's first message to the dealer: its plan hash and the steps it will run
 * ({@code firstStep .. endStep - 1}). The dealer serves only a range both parties ask for and
 * that its own options give, so a mismatch is named at connection instead of timing out. 40
 * bytes: plan hash, first step, end step.
 */
record RangeRequest(byte[] planHash, int firstStep, int endStep) {
    static final Tag TAG = new Tag(Tag.Kind.SEED, 0, 1);
    static final int BYTES = DealerSetup.PLAN_HASH_BYTES + 8;

    byte[] encode() {
        return ByteBuffer.allocate(BYTES).put(planHash).putInt(firstStep).putInt(endStep).array();
    }

    static RangeRequest decode(byte[] bytes, String from) {
        if (bytes.length != BYTES) {
            throw new ProtocolException(from + "'s step-range request has " + bytes.length + " bytes, expected " + BYTES);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte[] hash = new byte[DealerSetup.PLAN_HASH_BYTES];
        b.get(hash);
        return new RangeRequest(hash, b.getInt(), b.getInt());
    }

    String range() {
        return endStep <= firstStep ? "none" : firstStep + ".." + (endStep - 1);
    }
}
