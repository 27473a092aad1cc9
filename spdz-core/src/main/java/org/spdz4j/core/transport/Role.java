package org.spdz4j.core.transport;

/** The three processes of a computation: two compute parties and the dealer. */
public enum Role {
    P0, P1, DEALER;

    /** The other compute party. */
    public Role peer() {
        return switch (this) {
            case P0 -> P1;
            case P1 -> P0;
            case DEALER -> throw new IllegalStateException("the dealer has no peer compute party");
        };
    }

    public boolean isComputeParty() {
        return this != DEALER;
    }

    /** 0 for P0, 1 for P1. */
    public int partyIndex() {
        if (this == DEALER) {
            throw new IllegalStateException("the dealer is not a compute party");
        }
        return ordinal();
    }
}
