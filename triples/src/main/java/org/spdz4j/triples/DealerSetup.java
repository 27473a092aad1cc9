package org.spdz4j.triples;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.HexFormat;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.transport.Mismatch;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Tag;

/**
 * The dealer's one setup message to a party: its PRG seed, the dealer's plan hash and the range
 * of steps it produces ({@code firstStep .. firstStep + steps - 1}). 56 bytes. Instead of it,
 * a refusal (UTF-8 "refused: " and the reason) when the party's {@link RangeRequest} does not
 * match.
 */
record DealerSetup(byte[] seed, byte[] planHash, int firstStep, int steps) {
    static final int PLAN_HASH_BYTES = 32;
    static final int BYTES = AesCtrPrg.SEED_BYTES + PLAN_HASH_BYTES + 8;
    /** Tag of the setup message (or of the refusal sent instead). */
    static final Tag TAG = new Tag(Tag.Kind.SEED, 0, 0);

    byte[] encode() {
        return ByteBuffer.allocate(BYTES).put(seed).put(planHash).putInt(firstStep).putInt(steps).array();
    }

    private static final String REFUSED = "refused: ";

    /** What the dealer sends instead of a setup when it refuses a party's request. */
    static byte[] refusal(String why) {
        return (REFUSED + why).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static final String DEALER_PLAN = "\nthe dealer's plan:\n";

    /** A refusal for another plan: the reason, then the dealer's plan listing, so the party names the first difference. */
    static byte[] planRefusal(String why, Plan dealers) {
        return refusal(why + DEALER_PLAN + dealers.listing());
    }

    /** The setup in {@code bytes}; a refusal is thrown, naming the first plan entry that differs from {@code mine}'s. */
    static DealerSetup decode(byte[] bytes, Plan mine, String who) {
        String text = new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
        if (bytes.length != BYTES && text.startsWith(REFUSED)) {
            String why = text.substring(REFUSED.length());
            int listing = why.indexOf(DEALER_PLAN);
            if (listing >= 0) { // the plan another party sent may be the one that differs; then this one's is the dealer's
                String dealers = why.substring(listing + DEALER_PLAN.length());
                why = why.substring(0, listing) + (dealers.equals(mine.listing()) ? ""
                        : "; " + mine.firstDifference(who, "the dealer", dealers));
            }
            throw new Mismatch("the dealer refused: " + why);
        }
        if (bytes.length != BYTES) {
            throw new ProtocolException("dealer setup message has " + bytes.length + " bytes, expected " + BYTES);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        byte[] seed = new byte[AesCtrPrg.SEED_BYTES];
        byte[] hash = new byte[PLAN_HASH_BYTES];
        b.get(seed).get(hash);
        return new DealerSetup(seed, hash, b.getInt(), b.getInt());
    }

    void requirePlan(byte[] mine, String who) {
        String mismatch = planMismatch(who, mine, planHash);
        if (mismatch != null) {
            throw new Mismatch(mismatch);
        }
    }

    /** Why a party's plan hash is not the dealer's, naming both; null if they are the same. */
    static String planMismatch(String who, byte[] party, byte[] dealer) {
        if (Arrays.equals(party, dealer)) {
            return null;
        }
        HexFormat hex = HexFormat.of();
        return "plan hash mismatch: " + who + " has " + hex.formatHex(party) + " but the dealer has " + hex.formatHex(dealer);
    }

    /** Refuses a step outside the dealer's range, naming both. */
    void requireStep(int step, String who) {
        if (step < firstStep || step - firstStep >= steps) {
            throw new ProtocolException(who + " asked for step " + step + " but the dealer produces steps " + range());
        }
    }

    String range() {
        return steps == 0 ? "none" : firstStep + ".." + (firstStep + steps - 1);
    }
}
