package org.spdz4j.core.transport;

import java.util.Objects;

/**
 * A participant of a computation: a kind and an index within it. The two compute parties are
 * {@link #P0} and {@link #P1}, the dealer {@link #DEALER}; data holders, label holders, input
 * owners, federated clients and coordinators are made with {@link #of}. A role's {@link #name()}
 * ({@code P0}, {@code DEALER}, {@code HOLDER1}, {@code CLIENT7}, ...) is how configurations,
 * key files and messages name it, and {@link #parse} reads it back.
 *
 * <pre>{@code
 * Role holder = Role.of(Role.Kind.DATA_HOLDER, 1);   // "HOLDER1"
 * Role same = Role.parse("HOLDER1");
 * }</pre>
 *
 * @param kind  what the participant does
 * @param index which one of its kind (0 for a kind with one participant)
 */
public record Role(Kind kind, int index) implements Comparable<Role> {

    /**
     * What a participant does. {@code prefix} names it; {@code rank} orders kinds when deciding
     * who dials whom (the higher-ranked side dials, see {@link Topology}). The kinds of every mode
     * are kept here, in the core, because run.yaml, key files and the TLS handshake name roles
     * before any mode's code runs, and the dial order must be the same total order everywhere;
     * a new mode adds its kinds here (and nothing else in the core).
     */
    public enum Kind {
        /** P0 and P1: hold shares and run the online protocol. */
        COMPUTE_PARTY("P", 0, true),
        /** The trusted dealer of correlated randomness. */
        DEALER("DEALER", 1, false),
        /** Owns an input and secret-shares it to the compute parties. */
        INPUT_OWNER("OWNER", 2, true),
        /** Split learning: keeps images and the bottom of the network. */
        DATA_HOLDER("HOLDER", 3, true),
        /** Split learning: keeps the labels. */
        LABEL_HOLDER("LABELS", 4, false),
        /** Federated learning: trains locally and shares its update. */
        CLIENT("CLIENT", 5, true),
        /** Federated learning: holds the global model. */
        COORDINATOR("COORDINATOR", 6, false);

        private final String prefix;
        private final int rank;
        private final boolean indexed;

        Kind(String prefix, int rank, boolean indexed) {
            this.prefix = prefix;
            this.rank = rank;
            this.indexed = indexed;
        }

        /** The start of the names of roles of this kind. */
        public String prefix() {
            return prefix;
        }
    }

    /** Compute party 0. */
    public static final Role P0 = new Role(Kind.COMPUTE_PARTY, 0);
    /** Compute party 1. */
    public static final Role P1 = new Role(Kind.COMPUTE_PARTY, 1);
    /** The dealer. */
    public static final Role DEALER = new Role(Kind.DEALER, 0);

    /** Checks that the index suits the kind. */
    public Role {
        Objects.requireNonNull(kind, "kind");
        if (index < 0 || (!kind.indexed && index != 0) || (kind == Kind.COMPUTE_PARTY && index > 1)) {
            throw new IllegalArgumentException("no role " + kind + " with index " + index);
        }
    }

    /**
     * The participant of kind {@code kind} with index {@code index}; P0, P1 and the dealer are
     * the constants (compare roles with {@code equals} all the same).
     */
    public static Role of(Kind kind, int index) {
        Role r = new Role(kind, index);
        return r.equals(P0) ? P0 : r.equals(P1) ? P1 : r.equals(DEALER) ? DEALER : r;
    }

    /** The role named {@code name} (as {@link #name()} writes it). */
    public static Role parse(String name) {
        for (Kind k : Kind.values()) {
            if (!k.indexed && name.equals(k.prefix)) {
                return of(k, 0);
            }
            if (k.indexed && name.startsWith(k.prefix) && name.length() > k.prefix.length()
                    && name.substring(k.prefix.length()).matches("0|[1-9][0-9]{0,5}")) {
                int index = Integer.parseInt(name.substring(k.prefix.length()));
                if (k != Kind.COMPUTE_PARTY || index < 2) {
                    return of(k, index);
                }
            }
        }
        throw new IllegalArgumentException("unknown role '" + name + "' (roles are P0, P1, DEALER, OWNER<n>, HOLDER<n>, "
                + "LABELS, CLIENT<n>, COORDINATOR)");
    }

    /** The role's name: P0, P1, DEALER, OWNER3, HOLDER0, LABELS, CLIENT7, COORDINATOR. */
    public String name() {
        return kind.indexed ? kind.prefix + index : kind.prefix;
    }

    /** The other compute party. */
    public Role peer() {
        requireComputeParty();
        return index == 0 ? P1 : P0;
    }

    /** Whether this is P0 or P1. */
    public boolean isComputeParty() {
        return kind == Kind.COMPUTE_PARTY;
    }

    /** 0 for P0, 1 for P1. */
    public int partyIndex() {
        requireComputeParty();
        return index;
    }

    private void requireComputeParty() {
        if (!isComputeParty()) {
            throw new IllegalStateException(name() + " is not a compute party");
        }
    }

    /** Orders by kind (compute parties first, then the dealer, ...) and index. */
    @Override
    public int compareTo(Role o) {
        return kind.rank != o.kind.rank ? Integer.compare(kind.rank, o.kind.rank) : Integer.compare(index, o.index);
    }

    @Override
    public String toString() {
        return name();
    }
}
