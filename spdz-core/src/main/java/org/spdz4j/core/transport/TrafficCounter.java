package org.spdz4j.core.transport;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Counts what one process sent and received, by scope (a label such as {@code "conv1/forward"}
 * set by the caller) and by peer, in ring values, payload bytes and messages; and counts
 * communication rounds. Thread-safe.
 *
 * <pre>{@code
 * try (TrafficCounter.Scope s = transport.traffic().scope("dense/backward")) {
 *     party.open(share);
 * }
 * long bytes = transport.traffic().total(Direction.SENT).bytes();
 * }</pre>
 */
public final class TrafficCounter {

    /** Which way a message went. */
    public enum Direction {
        /** Sent by this participant. */
        SENT,
        /** Received by this participant. */
        RECEIVED
    }

    /** Totals of one (scope, peer, direction) cell. */
    public record Totals(long values, long bytes, long messages) {
        /** Nothing counted. */
        public static final Totals ZERO = new Totals(0, 0, 0);

        Totals plus(Totals o) {
            return new Totals(values + o.values, bytes + o.bytes, messages + o.messages);
        }
    }

    /** Restores the previous scope when closed. */
    public interface Scope extends AutoCloseable {
        @Override
        void close();
    }

    private record Key(String scope, Role peer, Direction direction) {
    }

    private final Map<Key, Totals> cells = new LinkedHashMap<>();
    private final Map<Role, Long> waitNanos = new HashMap<>();
    private final ThreadLocal<String> scope = ThreadLocal.withInitial(() -> "");
    private final Map<String, Long> roundsByScope = new LinkedHashMap<>();
    private long rounds;

    /** Sets the scope of this thread's traffic until the returned handle is closed. */
    public Scope scope(String name) {
        String previous = scope.get();
        scope.set(name);
        return () -> scope.set(previous);
    }

    /** Counts one message of {@code values} ring values and {@code bytes} payload bytes in this thread's scope. */
    public synchronized void record(Role peer, Direction direction, long values, long bytes) {
        cells.merge(new Key(scope.get(), peer, direction), new Totals(values, bytes, 1), Totals::plus);
    }

    /** Time a receive blocked waiting for {@code peer}: network and the peer's own work. */
    public synchronized void recordWait(Role peer, long nanos) {
        waitNanos.merge(peer, nanos, Long::sum);
    }

    /** Time receives blocked waiting for {@code peer}, in all. */
    public synchronized long waitNanos(Role peer) {
        return waitNanos.getOrDefault(peer, 0L);
    }

    /** Counts one communication round (an exchange) in this thread's scope. */
    public synchronized void recordRound() {
        rounds++;
        roundsByScope.merge(scope.get(), 1L, Long::sum);
    }

    /** Rounds in all scopes. */
    public synchronized long rounds() {
        return rounds;
    }

    /** Rounds counted in scope {@code scopeName}. */
    public synchronized long rounds(String scopeName) {
        return roundsByScope.getOrDefault(scopeName, 0L);
    }

    /** Totals over every scope and peer. */
    public synchronized Totals total(Direction direction) {
        return sum(null, null, direction);
    }

    /** Totals over every scope, for one peer. */
    public synchronized Totals total(Role peer, Direction direction) {
        return sum(null, peer, direction);
    }

    /** Totals of one scope; {@code peer} null means all peers. */
    public synchronized Totals total(String scopeName, Role peer, Direction direction) {
        return sum(scopeName, peer, direction);
    }

    /** Scopes in first-use order. */
    public synchronized List<String> scopes() {
        List<String> names = new ArrayList<>();
        for (Key k : cells.keySet()) {
            if (!names.contains(k.scope)) {
                names.add(k.scope);
            }
        }
        return Collections.unmodifiableList(names);
    }

    private Totals sum(String scopeName, Role peer, Direction direction) {
        Totals t = Totals.ZERO;
        for (Map.Entry<Key, Totals> e : cells.entrySet()) {
            Key k = e.getKey();
            if (k.direction == direction && (peer == null || k.peer.equals(peer))
                    && (scopeName == null || k.scope.equals(scopeName))) {
                t = t.plus(e.getValue());
            }
        }
        return t;
    }
}
