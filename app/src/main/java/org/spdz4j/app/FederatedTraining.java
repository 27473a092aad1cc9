package org.spdz4j.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.SecureAggregation;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.InMemoryNetwork;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.TrafficCounter.Direction;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Proximal;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;

/**
 * Federated averaging in one JVM (every participant a thread over an in-memory network): the
 * coordinator holds the global model in the clear and sends it to a public, seeded sample of
 * the clients each round; each trains it locally ({@code localEpochs} at batch {@code batchSize})
 * on its own partition and, clipped to {@code clip} per element, splits {@code n_k * update_k}
 * and {@code n_k} between P0 and P1 ({@link SecureAggregation}); they reveal only the sums, and
 * only with at least {@code minimum} clients in (local objective with FedProx's proximal term when
 * {@code mu > 0}), to the coordinator, who moves the model by
 * {@code sum(n_k update_k) / sum(n_k)} (with server momentum {@code beta} when it is not 0).
 * {@code secure = false} adds the same vectors in the clear: the reference.
 *
 * <pre>{@code
 * FederatedTraining.Result r = FederatedTraining.run(config, train, test, FederatedTraining.Faults.NONE);
 * }</pre>
 */
final class FederatedTraining {
    private static final FixedPoint FP = FixedPoint.DEFAULT;
    static final Role COORDINATOR = Role.parse("COORDINATOR");

    private FederatedTraining() {
    }

    /**
     * A federated run.
     *
     * @param network     the model
     * @param clients     K
     * @param fraction    C: the share of the clients sampled each round (at least one)
     * @param rounds      rounds
     * @param localEpochs E
     * @param batchSize   B
     * @param sgd         the clients' local optimizer
     * @param mu          FedProx's proximal weight (0: FedAvg's local objective)
     * @param beta        server momentum (0: plain FedAvg)
     * @param minimum     fewest clients whose sum may be revealed
     * @param clip        each update element is clipped to [-clip, clip] (the fixed-point headroom needs a bound)
     * @param partition   {@code iid}, {@code dirichlet:ALPHA} or {@code shards}
     * @param trainImages the first N training images shared out (0 = all)
     * @param seed        the initial model, the partition and the sampling
     * @param secure      aggregate on shares (else in the clear)
     * @param deadline    how long the aggregators wait for a round's shares
     */
    record Config(Network network, int clients, double fraction, int rounds, int localEpochs, int batchSize, Sgd sgd,
                  double mu, double beta, int minimum, double clip, String partition, int trainImages, long seed, boolean secure,
                  Duration deadline) {
        /**
         * Refuses a configuration whose encoded client vectors could leave the fixed-point range:
         * each element {@code |n_k * update| <= n_max * clip} must stay below 2^(62 - f); the sum of
         * K such values then stays below K * 2^62, far inside the ring (2^127) for any K below 2^64.
         */
        void checkHeadroom(int largestPart) {
            double bound = (double) largestPart * clip;
            double limit = Math.scalb(1.0, 62 - FP.fractionalBits());
            if (!(bound < limit)) {
                throw new IllegalArgumentException("a client with " + largestPart + " examples and updates clipped to "
                        + clip + " sends values up to " + bound + ", beyond the fixed-point headroom 2^" + (62 - FP.fractionalBits())
                        + " for " + FP.fractionalBits() + " fractional bits: lower --clip");
            }
        }
    }

    /** Test hooks: a client that dies from a round on, a client that reaches only P0 in one round. */
    record Faults(int diesAtRound, int dyingClient, int onlyP0Round, int onlyP0Client) {
        static final Faults NONE = new Faults(-1, -1, -1, -1);
    }

    /**
     * One round: who was sampled, who is in the sum, the test accuracy after it, the bytes a
     * client uploaded (a 16-byte seed to P0, the masked vector to P1), the time of local training
     * and of the aggregation.
     */
    record Round(int round, List<Integer> sampled, int aggregated, boolean skipped, double accuracy,
                 long uploadBytesPerClient, double localSeconds, double aggregationSeconds) {
    }

    record Result(List<double[]> model, List<Round> rounds) {
    }

    static Role client(int k) {
        return Role.parse("CLIENT" + k);
    }

    /** The round's public sample of clients. */
    static List<Integer> sample(Config c, int round) {
        int m = Math.max(1, (int) Math.ceil(c.fraction() * c.clients()));
        int[] order = Partitions.shuffled(c.clients(), new SplittableRandom(c.seed() * 31 + round));
        return java.util.Arrays.stream(order, 0, m).sorted().boxed().toList();
    }

    static Result run(Config c, Mnist train, Mnist test, int testImages, Faults faults) throws Exception {
        int n = Mnist.imagesUsed(c.trainImages(), train.size());
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = train.label(i);
        }
        int[][] parts = Partitions.of(c.partition(), labels, c.clients(), c.seed());
        c.checkHeadroom(java.util.Arrays.stream(parts).mapToInt(p -> p.length).max().orElse(0));
        FloatModel global = FloatModel.create(c.network(), Shape.of(c.batchSize(), 1, 28, 28),
                WeightInit.normal(0.05).initializer(c.seed()), c.sgd());
        int size = global.paramValues().stream().mapToInt(p -> p.length).sum();
        Shape vector = Shape.of(size + 1); // n_k * update, then n_k

        List<Role> roles = new ArrayList<>(List.of(Role.P0, Role.P1, COORDINATOR));
        for (int k = 0; k < c.clients(); k++) {
            roles.add(client(k));
        }
        InMemoryNetwork net = new InMemoryNetwork(roles, Duration.ofSeconds(120), 1L << 30);
        ExecutorService pool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "spdz-fed");
            t.setDaemon(true);
            return t;
        });
        List<Round> log = new ArrayList<>();
        double[] velocity = new double[size];
        try {
            List<List<Role>> waitingFor = List.of(new ArrayList<>(), new ArrayList<>()); // per aggregator, clients not yet missed
            for (int k = 0; k < c.clients(); k++) {
                waitingFor.get(0).add(client(k));
                waitingFor.get(1).add(client(k));
            }
            for (int round = 0; round < c.rounds(); round++) {
                List<Integer> sampled = sample(c, round);
                List<double[]> roundStart = global.paramValues();
                double[] w = flatten(roundStart);
                long start = System.nanoTime();
                List<Future<?>> clientsDone = new ArrayList<>();
                java.util.concurrent.atomic.AtomicLong uploaded = new java.util.concurrent.atomic.AtomicLong();
                for (int k : sampled) {
                    int me = k;
                    int r = round;
                    boolean dead = faults.dyingClient() == k && round >= faults.diesAtRound();
                    if (dead) {
                        continue;
                    }
                    clientsDone.add(pool.submit(() -> {
                        double[] v = localUpdate(c, train, parts[me], roundStart, w, r, me);
                        Ring128Tensor x = FP.encode(vector, v);
                        Transport t = net.transport(client(me));
                        long before = t.traffic().total(Direction.SENT).bytes();
                        if (faults.onlyP0Client() == me && faults.onlyP0Round() == r) {
                            t.sendBytes(Role.P0, new Tag(Tag.Kind.AGGREGATE, r, 0), new byte[16]); // its P1 share never arrives
                        } else {
                            submit(c, t, r, x);
                        }
                        uploaded.accumulateAndGet(t.traffic().total(Direction.SENT).bytes() - before, Math::max);
                        return null;
                    }));
                }
                if (faults.dyingClient() >= 0 && round == faults.diesAtRound()) {
                    net.transport(client(faults.dyingClient())).close(); // killed: its links close
                }
                for (Future<?> f : clientsDone) {
                    f.get();
                }
                double local = (System.nanoTime() - start) / 1e9;
                long aggregationStart = System.nanoTime();
                Aggregate agg = aggregate(c, net, round, sampled, vector, waitingFor, pool);
                double aggregation = (System.nanoTime() - aggregationStart) / 1e9;
                double[] sum = agg.sum();
                boolean skipped = sum == null;
                List<String> leftOut = new ArrayList<>();
                for (int k : sampled) {
                    if (!agg.in().contains(client(k))) {
                        leftOut.add(client(k).name());
                    }
                }
                if (!leftOut.isEmpty()) {
                    System.err.printf("round %d: left out %s (no share at both aggregators by the deadline)%n", round + 1,
                            String.join(", ", leftOut));
                }
                if (skipped) {
                    System.err.printf("round %d skipped: %d clients in, fewer than the minimum %d; nothing revealed%n",
                            round + 1, agg.clients(), c.minimum());
                } else {
                    double examples = sum[size];
                    double[] next = w.clone();
                    for (int i = 0; i < size; i++) {
                        double step = sum[i] / examples;
                        velocity[i] = c.beta() * velocity[i] + step;
                        next[i] += c.beta() == 0 ? step : velocity[i];
                    }
                    global.load(unflatten(next, roundStart));
                }
                double accuracy = Evaluation.accuracy(c.network(), global.paramValues(), test, testImages);
                log.add(new Round(round, sampled, agg.clients(), skipped, accuracy, uploaded.get(), local, aggregation));
            }
        } finally {
            pool.shutdownNow();
        }
        return new Result(global.paramValues(), log);
    }

    /** A round's aggregate at the coordinator: the decoded sum (null when skipped) and how many clients are in it. */
    private record Aggregate(double[] sum, List<Role> in) {
        int clients() {
            return in.size();
        }
    }

    private static void submit(Config c, Transport t, int round, Ring128Tensor x) {
        if (c.secure()) {
            SecureAggregation.submit(t, round, x);
        } else { // the reference: the vector in the clear to P0, nothing to P1
            t.send(Role.P0, new Tag(Tag.Kind.AGGREGATE, round, 0), x);
        }
    }

    /** P0 and P1 collect and reveal; the coordinator adds. Returns the decoded sum, or null if the round was skipped. */
    private static Aggregate aggregate(Config c, InMemoryNetwork net, int round, List<Integer> sampled, Shape vector,
                                      List<List<Role>> waitingFor, ExecutorService pool) throws Exception {
        long deadline = System.nanoTime() + c.deadline().toNanos();
        if (!c.secure()) {
            Transport p0 = net.transport(Role.P0);
            Ring128Tensor sum = Ring128Tensor.zeros(vector);
            List<Role> in = new ArrayList<>();
            for (int k : sampled) {
                Role who = client(k);
                if (!waitingFor.get(0).contains(who)) {
                    continue;
                }
                try {
                    sum = sum.add(p0.receive(who, new Tag(Tag.Kind.AGGREGATE, round, 0)));
                    in.add(who);
                } catch (ProtocolException gone) {
                    waitingFor.get(0).remove(who);
                }
            }
            return new Aggregate(in.size() >= c.minimum() ? FP.decode(sum) : null, in);
        }
        List<Future<SecureAggregation.Collected>> collected = new ArrayList<>();
        for (int a = 0; a < 2; a++) {
            Role aggregator = a == 0 ? Role.P0 : Role.P1;
            List<Role> expected = new ArrayList<>();
            for (int k : sampled) {
                if (waitingFor.get(a).contains(client(k))) {
                    expected.add(client(k));
                }
            }
            collected.add(pool.submit(() -> {
                Transport t = net.transport(aggregator);
                SecureAggregation.Collected got = SecureAggregation.collect(t, round, expected, vector, deadline);
                SecureAggregation.reveal(t, COORDINATOR, round, got, c.minimum());
                return got;
            }));
        }
        SecureAggregation.Sum s = SecureAggregation.receive(net.transport(COORDINATOR), round, vector);
        List<Role> in = List.of();
        for (int a = 0; a < 2; a++) {
            SecureAggregation.Collected got = collected.get(a).get();
            waitingFor.get(a).removeAll(got.missed());
            in = got.clients(); // the same at both
        }
        return new Aggregate(s == null ? null : FP.decode(s.value()), in);
    }

    /** {@code n_k * clip(w_k - w)} then {@code n_k}: what client k contributes to the round's sum. */
    private static double[] localUpdate(Config c, Mnist train, int[] part, List<double[]> start, double[] w, int round,
                                        int client) {
        Proximal prox = new Proximal(c.sgd(), c.mu()); // mu = 0: plain local SGD
        FloatModel local = FloatModel.create(c.network(), Shape.of(c.batchSize(), 1, 28, 28),
                WeightInit.normal(0).initializer(0), prox);
        local.load(start);
        prox.anchor(local.params());
        SplittableRandom r = new SplittableRandom((c.seed() * 1_000_003L + round) * 1009L + client); // the local data order
        int[] order = part.clone();
        for (int e = 0; e < c.localEpochs(); e++) {
            Partitions.shuffle(order, r);
            for (int b = 0; b + c.batchSize() <= order.length; b += c.batchSize()) {
                int[] batch = java.util.Arrays.copyOfRange(order, b, b + c.batchSize());
                local.trainStep(train.images(batch), train.oneHot(batch));
            }
        }
        double[] trained = flatten(local.paramValues());
        double[] out = new double[w.length + 1];
        for (int i = 0; i < w.length; i++) {
            out[i] = part.length * Math.max(-c.clip(), Math.min(c.clip(), trained[i] - w[i]));
        }
        out[w.length] = part.length;
        return out;
    }

    static double[] flatten(List<double[]> params) {
        int n = params.stream().mapToInt(p -> p.length).sum();
        double[] out = new double[n];
        int at = 0;
        for (double[] p : params) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    static List<double[]> unflatten(double[] v, List<double[]> like) {
        List<double[]> out = new ArrayList<>();
        int at = 0;
        for (double[] p : like) {
            out.add(java.util.Arrays.copyOfRange(v, at, at + p.length));
            at += p.length;
        }
        return out;
    }

    /** The per-round metrics as CSV (header first). */
    static String csv(List<Round> rounds) {
        StringBuilder s = new StringBuilder("round,sampled,aggregated,skipped,test_accuracy,upload_bytes_per_client,"
                + "local_seconds,aggregation_seconds\n");
        for (Round r : rounds) {
            s.append(String.format(java.util.Locale.ROOT, "%d,%d,%d,%b,%.4f,%d,%.3f,%.3f%n", r.round() + 1, r.sampled().size(),
                    r.aggregated(), r.skipped(), r.accuracy(), r.uploadBytesPerClient(), r.localSeconds(), r.aggregationSeconds()));
        }
        return s.toString();
    }
}
