package org.spdz4j.net;

import java.nio.file.Path;
import java.time.Duration;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Topology;

/**
 * Runs one participant of a computation in this process: connects it to its peers as the
 * {@link Topology} says (mutual TLS with pinned certificates), runs its part, and closes its
 * links whether the part finished or failed, so a peer still waiting on it fails at once
 * naming it. What a participant does over the transport (a compute party's or the dealer's
 * protocol, a data holder's role) is the body's business: see {@code Session.runParty} and
 * {@code Session.runDealer} in the triples module.
 *
 * <pre>{@code
 * Topology topology = ...;                                   // every participant, address, fingerprint
 * TlsIdentity tls = TlsIdentity.load(Path.of("keys"), Role.P1, topology);
 * double[] y = NetworkRunner.run(Role.P1, topology, tls, Duration.ofSeconds(60),
 *         t -> Session.runParty(t, "example", FixedPoint.DEFAULT, program));
 * }</pre>
 *
 * <h2>What it throws</h2>
 * {@code run} throws {@link org.spdz4j.core.transport.ProtocolException} when a peer does not
 * connect within the timeout, presents another certificate than the pinned one (both sides name
 * the fingerprints), speaks another protocol version or drops its connection (naming it);
 * {@link java.io.IOException} for a key or certificate file that cannot be read or does not
 * match the topology; and whatever the body throws, after closing the links.
 */
public final class NetworkRunner {
    private NetworkRunner() {
    }

    /** A participant's part, given its connected transport. */
    @FunctionalInterface
    public interface Body<T> {
        /** Runs the part; what it returns is what {@link #run} returns. */
        T run(NettyTransport transport) throws Exception;
    }

    /**
     * Connects {@code self} (waiting up to {@code timeout} for its peers; every later receive
     * waits at most as long), runs {@code body}, and closes the links.
     *
     * @param tls null for plain TCP (tests and trusted networks only)
     */
    public static <T> T run(Role self, Topology topology, TlsIdentity tls, Duration timeout, Body<T> body)
            throws Exception {
        return run(self, topology, tls, timeout, timeout, body);
    }

    /**
     * As {@link #run(Role, Topology, TlsIdentity, Duration, Body)}, waiting for the topology's
     * optional peers at most {@code optionalWindow} once the required ones are in.
     */
    public static <T> T run(Role self, Topology topology, TlsIdentity tls, Duration timeout, Duration optionalWindow,
                            Body<T> body) throws Exception {
        try (NettyTransport t = NettyTransport.connect(self, topology, tls, timeout, optionalWindow)) {
            try {
                return body.run(t);
            } catch (Exception | Error e) {
                t.lingerAfterAPeersEnd();
                throw e;
            }
        }
    }

    /**
     * As {@link #run(Role, Topology, TlsIdentity, Duration, Body)} with {@code self}'s key and
     * certificate read from {@code keys} (as {@code spdz keygen} writes them) and checked against
     * the topology.
     */
    public static <T> T run(Role self, Topology topology, Path keys, Duration timeout, Body<T> body) throws Exception {
        return run(self, topology, TlsIdentity.load(keys, self, topology), timeout, body);
    }
}
