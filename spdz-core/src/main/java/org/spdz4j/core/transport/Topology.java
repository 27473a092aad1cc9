package org.spdz4j.core.transport;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Who takes part in a computation, where each listens, which certificate each must present,
 * and who talks to whom. Every compute party is linked to every other participant; further
 * links (a data holder to the label holder, say) are declared. Of two linked participants the
 * one that sorts later ({@link Role#compareTo}: by kind, then index) dials the other, so the
 * compute parties only listen, the dealer dials both, and so on: no participant needs to know
 * more than the topology.
 *
 * <pre>{@code
 * Topology t = Topology.builder()
 *         .participant(Role.P0, new InetSocketAddress("10.0.0.1", 7100), fingerprintP0)
 *         .participant(Role.P1, new InetSocketAddress("10.0.0.2", 7100), fingerprintP1)
 *         .participant(Role.DEALER, new InetSocketAddress("10.0.0.3", 7100), fingerprintD)
 *         .build();
 * t.peersOf(Role.DEALER);   // [P0, P1], both dialled by the dealer
 * }</pre>
 */
public final class Topology {
    /**
     * One participant.
     *
     * @param role        its role
     * @param address     where it listens (unused for a participant that only dials)
     * @param fingerprint SHA-256 of its certificate, lower-case hex; null without TLS
     */
    public record Participant(Role role, InetSocketAddress address, String fingerprint) {
    }

    private record Link(Role a, Role b) {
        static Link of(Role x, Role y) {
            return x.compareTo(y) < 0 ? new Link(x, y) : new Link(y, x);
        }
    }

    private final Map<Role, Participant> participants;
    private final Set<Link> links;
    private final Set<Role> optional;
    private final boolean lateJoins;

    private Topology(Map<Role, Participant> participants, Set<Link> links, Set<Role> optional, boolean lateJoins) {
        this.participants = Collections.unmodifiableMap(new LinkedHashMap<>(participants));
        this.links = Set.copyOf(links);
        this.optional = Set.copyOf(optional);
        this.lateJoins = lateJoins;
    }

    /**
     * The same topology in which {@code roles} are optional: a participant connecting to its
     * peers waits for them until its timeout and then starts without those that did not come
     * (naming them), instead of failing. For participants whose absence a run tolerates, such as
     * federated clients.
     */
    public Topology withOptional(java.util.Collection<Role> roles) {
        for (Role r : roles) {
            participant(r);
            if (r.isComputeParty() || r.equals(Role.DEALER)) {
                throw new IllegalArgumentException(r + " cannot be optional: every run needs it");
            }
        }
        Set<Role> all = new LinkedHashSet<>(optional);
        all.addAll(roles);
        return new Topology(participants, links, all, lateJoins);
    }

    /**
     * The same topology in which the optional peers may also connect after the setup window,
     * and connect again after their connection ended: a participant keeps listening for them (or
     * keeps dialling them) for the whole run, and takes a connection that presents the pinned
     * certificate of an optional peer not connected now. For runs that admit members between
     * rounds, such as federated clients; see {@code Transport.joins}.
     */
    public Topology withLateJoins() {
        return new Topology(participants, links, optional, true);
    }

    /** Whether optional peers may join after the setup window or rejoin (see {@link #withLateJoins}). */
    public boolean lateJoins() {
        return lateJoins;
    }

    /** Whether a run may start without {@code role} (see {@link #withOptional}). */
    public boolean optional(Role role) {
        return optional.contains(role);
    }

    /** An empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** P0, P1 and the dealer at {@code addresses} (no fingerprints): the classic three-party run. */
    public static Topology of(Map<Role, InetSocketAddress> addresses) {
        Builder b = builder();
        addresses.forEach((role, at) -> b.participant(role, at, null));
        return b.build();
    }

    /** Every participant, in the order they were declared. */
    public List<Role> roles() {
        return List.copyOf(participants.keySet());
    }

    /** The participant with role {@code role}; refuses a role the topology does not name. */
    public Participant participant(Role role) {
        Participant p = participants.get(role);
        if (p == null) {
            throw new IllegalArgumentException("the topology has no participant " + role + " (it has " + roles() + ")");
        }
        return p;
    }

    /** Whether {@code role} takes part. */
    public boolean contains(Role role) {
        return participants.containsKey(role);
    }

    /** The participants {@code self} talks to, sorted. */
    public List<Role> peersOf(Role self) {
        participant(self);
        List<Role> out = new ArrayList<>();
        for (Link l : links) {
            if (l.a.equals(self)) {
                out.add(l.b);
            } else if (l.b.equals(self)) {
                out.add(l.a);
            }
        }
        Collections.sort(out);
        return out;
    }

    /** Whether {@code self} dials {@code peer} (rather than waiting for it to connect). */
    public boolean dials(Role self, Role peer) {
        return self.compareTo(peer) > 0;
    }

    /** Whether {@code self} must listen: some peer dials it. */
    public boolean listens(Role self) {
        for (Role p : peersOf(self)) {
            if (dials(p, self)) {
                return true;
            }
        }
        return false;
    }

    /** The fingerprints {@code self} accepts: its peers', by role. */
    public Map<Role, String> pinsFor(Role self) {
        Map<Role, String> pins = new LinkedHashMap<>();
        for (Role p : peersOf(self)) {
            String fp = participant(p).fingerprint();
            if (fp == null) {
                throw new IllegalArgumentException("the topology has no certificate fingerprint for " + p);
            }
            pins.put(p, fp);
        }
        return pins;
    }

    /** Builds a topology; every declared link must join declared participants. */
    public static final class Builder {
        private final Map<Role, Participant> participants = new LinkedHashMap<>();
        private final Set<Link> extra = new LinkedHashSet<>();

        private Builder() {
        }

        /** Adds a participant; a role may appear once. */
        public Builder participant(Role role, InetSocketAddress address, String fingerprint) {
            if (participants.putIfAbsent(role, new Participant(role, address, fingerprint)) != null) {
                throw new IllegalArgumentException("participant " + role + " is declared twice");
            }
            return this;
        }

        /** Links two participants that are not linked by default (neither is a compute party). */
        public Builder link(Role a, Role b) {
            if (a.equals(b)) {
                throw new IllegalArgumentException("cannot link " + a + " to itself");
            }
            extra.add(Link.of(a, b));
            return this;
        }

        /**
         * The topology; needs both compute parties or neither (a run without shares, such as plain
         * split learning), and at least two participants.
         */
        public Topology build() {
            if (participants.containsKey(Role.P0) != participants.containsKey(Role.P1)) {
                throw new IllegalArgumentException("a topology needs both compute parties P0 and P1 or neither, got "
                        + participants.keySet());
            }
            if (participants.size() < 2) {
                throw new IllegalArgumentException("a topology needs at least two participants, got " + participants.keySet());
            }
            Set<Link> links = new LinkedHashSet<>(extra);
            for (Role r : participants.keySet()) {
                for (Role s : participants.keySet()) {
                    if (!r.equals(s) && (r.isComputeParty() || s.isComputeParty())) {
                        links.add(Link.of(r, s));
                    }
                }
            }
            for (Link l : links) {
                if (!participants.containsKey(l.a) || !participants.containsKey(l.b)) {
                    throw new IllegalArgumentException("link " + l.a + "-" + l.b + " names a participant not declared");
                }
            }
            return new Topology(participants, links, Set.of(), false);
        }
    }
}
