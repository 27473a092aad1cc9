package org.spdz4j.core.transport;

import java.time.Duration;
import org.spdz4j.core.ring.Ring128Tensor;

/**
 * Moves tagged messages between the three processes of a computation. Protocols never touch
 * sockets: they see only this interface. Implementations: {@link InMemoryNetwork} (threads of
 * one JVM) and the Netty transport of the {@code net} module.
 *
 * <p>Every receive waits at most the transport's timeout and then throws a
 * {@link ProtocolException} naming the peer and the expected tag; a message with another tag
 * is refused the same way. Messages between two processes arrive in the order sent.
 *
 * <pre>{@code
 * Ring128Tensor theirs = transport.exchange(Role.P1, new Tag(Tag.Kind.OPEN, step, 0), mine);
 * }</pre>
 */
public interface Transport extends AutoCloseable {

    /** The participant this transport belongs to. */
    Role self();

    /** Sends {@code tensor} to {@code to} under {@code tag}. */
    void send(Role to, Tag tag, Ring128Tensor tensor);

    /** The tensor {@code from} sent with tag {@code expected}; waits at most the timeout. */
    Ring128Tensor receive(Role from, Tag expected);

    /**
     * As {@link #receive(Role, Tag)}, waiting at most {@code limit} instead of the transport's
     * timeout: for a tensor that may never come (a federated client past the round's deadline).
     */
    Ring128Tensor receive(Role from, Tag expected, Duration limit);

    /** Sends {@code payload} to {@code to} under {@code tag}. */
    void sendBytes(Role to, Tag tag, byte[] payload);

    /** The bytes {@code from} sent with tag {@code expected}; waits at most the timeout. */
    byte[] receiveBytes(Role from, Tag expected);

    /**
     * As {@link #receiveBytes(Role, Tag)}, waiting at most {@code limit} instead of the
     * transport's timeout: for a message that comes only when a long part of the run is over.
     */
    byte[] receiveBytes(Role from, Tag expected, Duration limit);

    /**
     * The optional peers (see {@link Topology#withOptional}) that did not connect within the
     * setup window (and, where the topology admits late joins, have not connected since) and are
     * left out; empty when every peer is connected.
     */
    default java.util.Set<Role> absent() {
        return java.util.Set.of();
    }

    /**
     * How many times {@code peer} has connected in this run: 0 while it never has, 1 from its
     * first connection on (at setup, or later where the topology admits late joins), and one more
     * each time it connected again after its connection ended ({@link Topology#withLateJoins}).
     * A caller that left a peer out after a failure can take it back once this grows.
     */
    default int joins(Role peer) {
        return absent().contains(peer) ? 0 : 1;
    }

    /**
     * The round trip of the link to {@code peer} alone: a ping the peer's transport answers as it
     * arrives, whatever the peer's program is doing, so the time is the link's and not the
     * peer's. Completes when the answer arrives; the caller goes on meanwhile. Not part of any
     * program's messages (no round, no traffic counted). A transport that cannot ping returns a
     * future failed with {@link UnsupportedOperationException}.
     *
     * <pre>{@code
     * CompletableFuture<Duration> rtt = transport.roundTrip(Role.P1);   // at the start
     * ...                                                               // the session's setup
     * Duration measured = rtt.get(30, TimeUnit.SECONDS);
     * }</pre>
     */
    default java.util.concurrent.CompletableFuture<Duration> roundTrip(Role peer) {
        return java.util.concurrent.CompletableFuture.failedFuture(
                new UnsupportedOperationException(getClass().getSimpleName() + " cannot ping " + peer));
    }

    /** What this participant sent and received. */
    TrafficCounter traffic();

    /** Sends {@code mine} to {@code peer} and returns the peer's tensor with the same tag: one round. */
    default Ring128Tensor exchange(Role peer, Tag tag, Ring128Tensor mine) {
        send(peer, tag, mine);
        Ring128Tensor theirs = receive(peer, tag);
        traffic().recordRound();
        return theirs;
    }

    /** Closes every link; a peer waiting on this process fails with a message naming it. */
    @Override
    void close();
}
