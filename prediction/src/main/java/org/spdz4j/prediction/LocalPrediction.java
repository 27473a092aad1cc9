package org.spdz4j.prediction;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.InMemoryNetwork;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.Transport;

/**
 * One prediction session with both servers, the dealer and the clients as threads of this JVM,
 * over an {@link InMemoryNetwork}: for tests, benchmarks and a program that holds both shares
 * anyway (a model owner checking its shares). Each participant runs exactly its part of the
 * protocol, and sees only what it would see as a process.
 *
 * <pre>{@code
 * LocalPrediction.Result r = LocalPrediction.run(p0Share, p1Share, new PredictionServer.Options(100, 10_000),
 *         Map.of(Role.parse("CLIENT0"), pixels), Shape.of(1, 28, 28));
 * int[] classes = r.classes().get(Role.parse("CLIENT0"));
 * }</pre>
 */
public final class LocalPrediction {
    private LocalPrediction() {
    }

    /**
     * What a session gave.
     *
     * @param answers    each client's answers
     * @param session    P0's account of the session
     * @param traffic    each participant's traffic counter (P0, P1, DEALER, the clients)
     * @param answeredIn each client's time from the session's start to its answers (the session
     *                   ends later: the clients' word that they have them, the servers' to the dealer)
     */
    public record Result(Map<Role, PredictionClient.Answers> answers, PredictionServer.Session session,
                         Map<Role, TrafficCounter> traffic, Map<Role, Duration> answeredIn) {
        /** Each client's classes. */
        public Map<Role, int[]> classes() {
            Map<Role, int[]> out = new LinkedHashMap<>();
            answers.forEach((r, a) -> out.put(r, a.classes()));
            return out;
        }
    }

    /**
     * Serves {@code inputs} (per client, raw values in [0, 1] of inputs of shape {@code example},
     * one after another) from the two halves of a model in one session; fails with the first
     * failure of any participant.
     */
    public static Result run(org.spdz4j.layers.SharedModel p0, org.spdz4j.layers.SharedModel p1,
                             PredictionServer.Options options, Map<Role, double[]> inputs, Shape example) {
        return run(p0, p1, options, inputs, example, false);
    }

    /** As {@link #run(org.spdz4j.layers.SharedModel, org.spdz4j.layers.SharedModel, PredictionServer.Options, Map, Shape)}, each client asking for probabilities if {@code probabilities}. */
    public static Result run(org.spdz4j.layers.SharedModel p0, org.spdz4j.layers.SharedModel p1,
                             PredictionServer.Options options, Map<Role, double[]> inputs, Shape example,
                             boolean probabilities) {
        return run(p0, p1, options, inputs, example, probabilities, Duration.ZERO, 0);
    }

    /**
     * As {@link #run(org.spdz4j.layers.SharedModel, org.spdz4j.layers.SharedModel, PredictionServer.Options, Map, Shape, boolean)},
     * every link across an emulated WAN ({@link InMemoryNetwork#overWan}): {@code oneWay} each
     * way, {@code bitsPerSecond} each way (0: unlimited).
     */
    public static Result run(org.spdz4j.layers.SharedModel p0, org.spdz4j.layers.SharedModel p1,
                             PredictionServer.Options options, Map<Role, double[]> inputs, Shape example,
                             boolean probabilities, Duration oneWay, long bitsPerSecond) {
        List<Role> roles = new ArrayList<>(List.of(Role.P0, Role.P1, Role.DEALER));
        roles.addAll(inputs.keySet());
        InMemoryNetwork net = new InMemoryNetwork(roles, Duration.ofSeconds(120), 1L << 30).overWan(oneWay, bitsPerSecond);
        ExecutorService pool = Executors.newFixedThreadPool(roles.size(), r -> {
            Thread t = new Thread(r, "spdz-prediction");
            t.setDaemon(true);
            return t;
        });
        long start = System.nanoTime();
        Map<Role, Duration> answeredIn = new java.util.concurrent.ConcurrentHashMap<>();
        try {
            Future<PredictionServer.Session> s0 = pool.submit(() -> server(net.transport(Role.P0), p0, inputs, options));
            Future<PredictionServer.Session> s1 = pool.submit(() -> server(net.transport(Role.P1), p1, inputs, options));
            Future<Integer> dealer = pool.submit(() -> {
                try (Transport t = net.transport(Role.DEALER)) {
                    return PredictionServer.dealer(t, AesCtrPrg.freshSeed(), Duration.ofSeconds(120));
                }
            });
            Map<Role, Future<PredictionClient.Answers>> clients = new LinkedHashMap<>();
            inputs.forEach((role, values) -> clients.put(role, pool.submit(() -> {
                try (Transport t = net.transport(role)) {
                    PredictionClient.Answers a = PredictionClient.answers(t, PredictionClient.card(t), example, values,
                            probabilities);
                    answeredIn.put(role, Duration.ofNanos(System.nanoTime() - start));
                    return a;
                }
            })));
            PredictionServer.Session session = get(s0);
            get(s1);
            get(dealer);
            Map<Role, PredictionClient.Answers> answers = new LinkedHashMap<>();
            for (Map.Entry<Role, Future<PredictionClient.Answers>> e : clients.entrySet()) {
                answers.put(e.getKey(), get(e.getValue()));
            }
            Map<Role, TrafficCounter> traffic = new LinkedHashMap<>();
            for (Role r : roles) {
                traffic.put(r, net.transport(r).traffic());
            }
            return new Result(answers, session, traffic, Map.copyOf(answeredIn));
        } finally {
            pool.shutdownNow();
        }
    }

    private static PredictionServer.Session server(Transport t, org.spdz4j.layers.SharedModel mine,
                                                   Map<Role, double[]> inputs, PredictionServer.Options options) {
        try (t) {
            return PredictionServer.serve(t, mine, inputs.keySet(), options, AesCtrPrg.freshSeed(), line -> { });
        }
    }

    private static <T> T get(Future<T> f) {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a participant", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        }
    }
}
