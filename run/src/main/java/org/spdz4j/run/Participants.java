package org.spdz4j.run;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.spdz4j.core.transport.InMemoryNetwork;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.triples.LocalComputation;

/**
 * Participants of a run without a dealer (plain split learning, federated averaging) as threads
 * of this JVM, each linked to every other over an {@link InMemoryNetwork}: the parts the
 * commands run as processes, for tests and one-machine experiments. A part that finishes or
 * fails closes its links, so a peer waiting on it fails at once naming it.
 *
 * <pre>{@code
 * Participants.run(Map.of(Role.parse("HOLDER0"), t -> ..., Role.parse("LABELS"), t -> ...), Duration.ofSeconds(60));
 * }</pre>
 */
public final class Participants {
    private Participants() {
    }

    /** Runs every part on its own thread, each receive waiting at most {@code timeout}; the first failure (in map order) fails the run. */
    public static void run(Map<Role, LocalComputation.Outsider> parts, Duration timeout) {
        InMemoryNetwork net = new InMemoryNetwork(parts.keySet(), timeout, 1L << 30);
        ExecutorService pool = Executors.newFixedThreadPool(parts.size(), r -> {
            Thread t = new Thread(r, "spdz-participant");
            t.setDaemon(true);
            return t;
        });
        try {
            List<Future<?>> running = new ArrayList<>();
            parts.forEach((role, o) -> running.add(pool.submit(() -> {
                try (Transport t = net.transport(role)) {
                    o.run(t);
                }
                return null;
            })));
            for (Future<?> f : running) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the participants", e);
        } finally {
            pool.shutdownNow();
        }
    }
}
