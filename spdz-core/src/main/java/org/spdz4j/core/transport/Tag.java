package org.spdz4j.core.transport;

/**
 * What a message is: its kind, the training step and the position within that step. A
 * receiver states the tag it expects, so a desynchronised peer is detected, never mis-added.
 *
 * @param kind     the protocol phase the message belongs to
 * @param step     the training step (or 0 during setup)
 * @param position the opening counter or plan entry within the step
 */
public record Tag(Kind kind, int step, int position) {

    /**
     * The protocol phase of a message. The kinds of every mode are kept here because a frame's
     * header carries the kind as one byte that the transport checks against what the receiver
     * expects before any mode's code sees the frame; a new mode adds its kinds here (and nothing
     * else in the core).
     */
    public enum Kind {
        /** Plan, version and format agreement when parties connect. */
        HANDSHAKE,
        /** Seeds handed out once at setup (dealer to party, P0 to P1). */
        SEED,
        /** A party's share of a tensor being revealed; position counts openings within the step. */
        OPEN,
        /** A party's share of {@code X - A} for a mask; position is the mask's plan entry. */
        MASK,
        /** The dealer's correction for P1's share of a product or power. */
        CORRECTION,
        /** An input owner's share for a party. */
        INPUT,
        /** A participant's word that it finished its part successfully (before it closes its links). */
        DONE,
        /** A compute party's share of a result for an outside participant; position is the stream. */
        OUTPUT,
        /** A data holder's bottom weights for the next holder of a split network; step is the first step of its turn. */
        WEIGHTS,
        /** A federated round's messages (step is the round): clients' shares, the aggregators' client sets, the sums. */
        AGGREGATE,
        /** Sample-id matching before a split run: a holder's public facts and ids to the label holder (step 0), its verdict (step 1). */
        MATCH,
        /** A compute party's operations since the last agreed opening, sent only when the two parties' programs differ. */
        TRANSCRIPT,
        /**
         * Private prediction: the model's public card to a client (position 0), a client's request
         * (1), the servers' verdict (2); between the servers the requests each took (step 1) and
         * P0's session facts to the dealer (step 2).
         */
        PREDICTION
    }

    @Override
    public String toString() {
        return kind + "(step " + step + ", position " + position + ")";
    }
}
