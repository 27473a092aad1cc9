package org.spdz4j.triples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.transport.InMemoryNetwork;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.Transport;

/**
 * Runs the dealer and both compute parties of one computation in this JVM, each on its own
 * thread, over an {@link InMemoryNetwork}. Each party runs the same program on its own
 * {@link ComputeParty}, after the {@link Handshake}. When a party finishes or fails, its links
 * close, so a peer still waiting on it fails at once naming it instead of timing out.
 *
 * <pre>{@code
 * LocalComputation.Result<Ring128Tensor> r = LocalComputation.run(plan, 1, seed, FixedPoint.DEFAULT,
 *         (party, randomness) -> {
 *             party.beginStep(0, randomness.forStep(0));
 *             return party.open(...);
 *         });
 * }</pre>
 *
 * <h2>What it throws</h2>
 * {@code run} rethrows the first failure of a participant (a consequence in the others, such as
 * a closed link, is not reported over its cause): the program's own exceptions, and
 * {@link org.spdz4j.core.transport.ProtocolException} for a protocol failure (another plan,
 * another program, a message that does not come in time, naming what was awaited).
 */
public final class LocalComputation {
    private LocalComputation() {
    }

    /** How long a receive waits unless told otherwise. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(60);

    /** What each compute party runs. */
    @FunctionalInterface
    public interface Program<T> {
        /** Runs the party's part; what it returns ends up in the {@link Result}. */
        T run(ComputeParty party, PartyRandomness randomness) throws Exception;
    }

    /** Both parties' results and every process's traffic. */
    public record Result<T>(T p0, T p1, TrafficCounter p0Traffic, TrafficCounter p1Traffic,
                            TrafficCounter dealerTraffic, long dealerBusyNanos) {
    }

    /**
     * @param steps      how many steps the dealer produces (ahead, on its own thread)
     * @param dealerSeed master seed of the dealer's PRGs
     */
    public static <T> Result<T> run(Plan plan, int steps, byte[] dealerSeed, FixedPoint fp, Program<T> program) {
        return run(plan, steps, dealerSeed, fp, DEFAULT_TIMEOUT, program);
    }

    /** As {@link #run(Plan, int, byte[], FixedPoint, Program)}, each receive waiting at most {@code timeout}. */
    public static <T> Result<T> run(Plan plan, int steps, byte[] dealerSeed, FixedPoint fp, Duration timeout,
                                    Program<T> program) {
        return run(plan, plan, plan, 0, steps, dealerSeed, AesCtrPrg.freshSeed(), fp, timeout, Map.of(), program);
    }

    /** An outside participant's part of an in-process run: a data holder, a label holder, on its own thread. */
    public interface Outsider {
        /** Runs the participant over {@code transport} (linked to P0, P1, the dealer and the other outsiders). */
        void run(Transport transport) throws Exception;
    }

    /**
     * As {@link #run(Plan, int, byte[], FixedPoint, Program)} with {@code outsiders} taking part
     * too, each on its own thread (e.g. {@code Role.parse("HOLDER0")} feeding inputs through a
     * {@code Contributor}); the run fails with the first failure of any of them.
     */
    public static <T> Result<T> run(Plan plan, int steps, byte[] dealerSeed, FixedPoint fp, Map<Role, Outsider> outsiders,
                                    Program<T> program) {
        return run(plan, plan, plan, 0, steps, dealerSeed, AesCtrPrg.freshSeed(), fp, DEFAULT_TIMEOUT, outsiders, program);
    }

    /**
     * As {@link #run(Plan, int, byte[], FixedPoint, Program)} with the input-sharing seed given
     * (reproducible), for steps {@code firstStep .. steps-1} (a resumed run starts past 0).
     */
    public static <T> Result<T> run(Plan plan, int firstStep, int steps, byte[] dealerSeed, byte[] inputSeed,
                                    FixedPoint fp, Program<T> program) {
        return run(plan, plan, plan, firstStep, steps, dealerSeed, inputSeed, fp, DEFAULT_TIMEOUT, Map.of(), program);
    }

    /**
     * As {@link #run(Plan, int, byte[], FixedPoint, Map, Program)}, the parties and the dealer
     * starting at {@code firstStep} (a resumed run) and ending before {@code endStep}.
     */
    public static <T> Result<T> run(Plan plan, int firstStep, int endStep, byte[] dealerSeed, FixedPoint fp,
                                    Map<Role, Outsider> outsiders, Program<T> program) {
        return run(plan, plan, plan, firstStep, endStep, dealerSeed, AesCtrPrg.freshSeed(), fp, DEFAULT_TIMEOUT, outsiders,
                program);
    }

    /** As {@link #run(Plan, int, byte[], FixedPoint, Program)}, each process with its own plan (tests of refusals). */
    static <T> Result<T> run(Plan dealerPlan, Plan plan0, Plan plan1, int firstStep, int steps, byte[] dealerSeed,
                             byte[] inputSeed, FixedPoint fp, Program<T> program) {
        return run(dealerPlan, plan0, plan1, firstStep, steps, dealerSeed, inputSeed, fp, DEFAULT_TIMEOUT, Map.of(), program);
    }

    private static <T> Result<T> run(Plan dealerPlan, Plan plan0, Plan plan1, int firstStep, int steps, byte[] dealerSeed,
                                     byte[] inputSeed, FixedPoint fp, Duration timeout, Map<Role, Outsider> outsiders,
                                     Program<T> program) {
        List<Role> roles = new ArrayList<>(List.of(Role.P0, Role.P1, Role.DEALER));
        roles.addAll(outsiders.keySet());
        InMemoryNetwork net = new InMemoryNetwork(roles, timeout, 512L << 20);
        Dealer dealer = new Dealer(dealerPlan, net.transport(Role.DEALER), dealerSeed);
        ExecutorService pool = Executors.newFixedThreadPool(2 + outsiders.size(), r -> {
            Thread t = new Thread(r, "spdz-party");
            t.setDaemon(true);
            return t;
        });
        try {
            Future<T> f0 = pool.submit(() -> party(net.transport(Role.P0), plan0, firstStep, steps, inputSeed, fp, program));
            Future<T> f1 = pool.submit(() -> party(net.transport(Role.P1), plan1, firstStep, steps, inputSeed, fp, program));
            Map<Role, Future<Object>> others = new LinkedHashMap<>();
            outsiders.forEach((role, o) -> others.put(role, pool.submit(() -> {
                try (Transport t = net.transport(role)) {
                    o.run(t);
                    return null;
                }
            })));
            try {
                dealer.setup(firstStep, steps - firstStep);
            } catch (ProtocolException refused) {
                // the parties heard why too; a party's own failure (a mismatch between them) comes first
                get(f0, Role.P0);
                get(f1, Role.P1);
                throw refused;
            }
            Dealer.Run dealing = dealer.runAhead();
            T r0;
            try {
                r0 = get(f0, Role.P0);
            } catch (RuntimeException e0) {
                // P0 may only have seen P1 close after failing: report P1's own error first
                try {
                    get(f1, Role.P1);
                } catch (RuntimeException e1) {
                    RuntimeException first = isConsequence(e0) && !isConsequence(e1) ? e1 : e0;
                    first.addSuppressed(first == e0 ? e1 : e0);
                    throw first;
                }
                throw e0;
            }
            T r1 = get(f1, Role.P1);
            for (Map.Entry<Role, Future<Object>> e : others.entrySet()) {
                get(e.getValue(), e.getKey());
            }
            dealing.join();
            return new Result<>(r0, r1, net.transport(Role.P0).traffic(), net.transport(Role.P1).traffic(),
                    net.transport(Role.DEALER).traffic(), dealer.busyNanos());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the parties", e);
        } finally {
            pool.shutdownNow();
        }
    }

    private static <T> T party(Transport transport, Plan plan, int firstStep, int endStep, byte[] inputSeed,
                               FixedPoint fp, Program<T> program) throws Exception {
        try (transport) { // finished or failed, its links close: a peer still waiting on it fails at once
            Handshake.Party p = Handshake.computeParty(transport, plan, fp, firstStep, endStep, inputSeed, Map.of());
            return program.run(p.party(), p.randomness());
        }
    }

    private static boolean isConsequence(RuntimeException e) {
        return e.getMessage() != null && e.getMessage().contains("closed the connection");
    }

    private static <T> T get(Future<T> f, Role role) throws InterruptedException {
        try {
            return f.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(role + " failed: " + cause.getMessage(), cause);
        }
    }
}
