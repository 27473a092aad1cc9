package org.spdz4j.federated;

import org.spdz4j.data.Mnist;
import org.spdz4j.training.LocalTraining;

import org.spdz4j.run.Facts;

import org.spdz4j.run.Participants;

import org.spdz4j.data.Evaluation;

import org.spdz4j.run.Messages;

import org.spdz4j.data.Partitions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Proximal;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;
import org.spdz4j.triples.Dealer;
import org.spdz4j.triples.Handshake;
import org.spdz4j.triples.LocalComputation;

/**
 * Federated averaging. Each participant's part is one method over a {@link Transport}
 * ({@link #coordinator}, {@link #aggregator}, {@link #client}, {@link #dealer}), run as threads of
 * one JVM by {@link #run} and as processes over TLS by the {@code fed-*} commands: the
 * coordinator holds the global model in the clear and sends it to a public, seeded sample of
 * the clients each round; each trains it locally ({@code localEpochs} at batch {@code batchSize})
 * on its own partition and, clipped to {@code clip} per element, splits {@code n_k * update_k}
 * and {@code n_k} between P0 and P1 ({@link SecureAggregation}); they reveal only the sums, and
 * only with at least {@code minimum} clients in (local objective with FedProx's proximal term when
 * {@code mu > 0}), to the coordinator, who moves the model by
 * {@code sum(n_k update_k) / sum(n_k)} (with server momentum {@code beta} when it is not 0).
 * {@code secure = false} adds the same vectors in the clear: the reference. With a norm bound the
 * aggregators first check each client's update on shares ({@link NormBound}).
 *
 * <pre>{@code
 * FederatedTraining.Result r = FederatedTraining.run(config, train, test, 1000, FederatedTraining.Faults.NONE);
 * }</pre>
 */
public final class FederatedTraining {
    private static final FixedPoint FP = FixedPoint.DEFAULT;
    public static final Role COORDINATOR = Role.parse("COORDINATOR");

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
     * @param init        how the initial global weights are drawn (from {@code seed})
     * @param secure      aggregate on shares (else in the clear)
     * @param deadline    how long the aggregators wait for a round's shares, from the round's start
     * @param normBound   the largest L2 norm of a client's update, checked on shares ({@link NormBound}; 0: none)
     */
    public record Config(Network network, int clients, double fraction, int rounds, int localEpochs, int batchSize, Sgd sgd,
                  double mu, double beta, int minimum, double clip, String partition, int trainImages, long seed, WeightInit init,
                  boolean secure, Duration deadline, double normBound) {
        public Config {
            if (normBound != 0 && !secure) {
                throw new IllegalArgumentException("the norm bound is checked on shares: it needs secure aggregation (no --plaintext)");
            }
        }

        /** The same run with updates bounded to L2 norm {@code bound} (0: none). */
        Config withNormBound(double bound) {
            return new Config(network, clients, fraction, rounds, localEpochs, batchSize, sgd, mu, beta, minimum, clip, partition,
                    trainImages, seed, init, secure, deadline, bound);
        }

        /**
         * Refuses a configuration whose encoded client vectors could leave the fixed-point range:
         * each element {@code |n_k * update| <= n_max * clip} must stay below 2^(62 - f); the sum of
         * K such values then stays below K * 2^62, far inside the ring (2^127) for any K below 2^64.
         */
        public void checkHeadroom(int largestPart) {
            double bound = (double) largestPart * clip;
            double limit = Math.scalb(1.0, 62 - FP.fractionalBits());
            if (!(bound < limit)) {
                throw new IllegalArgumentException("a client with " + largestPart + " examples and updates clipped to "
                        + clip + " sends values up to " + bound + ", beyond the fixed-point headroom 2^" + (62 - FP.fractionalBits())
                        + " for " + FP.fractionalBits() + " fractional bits: lower --clip");
            }
        }
    }

    /**
     * Test hooks: a client that dies from a round on, a client that reaches only P0 in one round,
     * a client that poisons its updates (every element pushed to the clip, the largest update the
     * clip allows).
     */
    public record Faults(int diesAtRound, int dyingClient, int onlyP0Round, int onlyP0Client, int poisonedClient) {
        public static final Faults NONE = new Faults(-1, -1, -1, -1, -1);
    }

    /**
     * One round: who was sampled, who is in the sum, the test accuracy after it, the bytes a
     * client uploaded (a 16-byte seed to P0, the masked vector to P1), the time of local training
     * and of the aggregation.
     */
    public record Round(int round, List<Integer> sampled, int aggregated, boolean skipped, double accuracy,
                 long uploadBytesPerClient, double localSeconds, double aggregationSeconds) {
    }

    public record Result(List<double[]> model, List<Round> rounds) {
    }

    public static Role client(int k) {
        return Role.parse("CLIENT" + k);
    }

    /** The round's public sample of clients. */
    static List<Integer> sample(Config c, int round) {
        int m = Math.max(1, (int) Math.ceil(c.fraction() * c.clients()));
        int[] order = Partitions.shuffled(c.clients(), new SplittableRandom(c.seed() * 31 + round));
        return java.util.Arrays.stream(order, 0, m).sorted().boxed().toList();
    }

    /** Positions of the coordinator's and the aggregators' own messages among a round's AGGREGATE tags. */
    private static final int BEGIN = 4;
    private static final int TIMING = 5;
    private static final int FACTS = 6;

    /**
     * How long a client waits for the model of a round it is sampled for, and an aggregator for
     * a round to begin: whole rounds of others pass meanwhile, far longer than one message's
     * timeout. A participant that dies meanwhile closes its links, and the waiting one fails at
     * once naming it.
     */
    static final Duration ROUND_WAIT = Duration.ofHours(48);

    /** Every participant of a run: the aggregators, the coordinator, the clients. */
    public static List<Role> roles(Config c) {
        List<Role> roles = new ArrayList<>(List.of(Role.P0, Role.P1, COORDINATOR));
        if (c.normBound() > 0) {
            roles.add(Role.DEALER); // the norm bound's randomness
        }
        for (int k = 0; k < c.clients(); k++) {
            roles.add(client(k));
        }
        return roles;
    }

    /**
     * The facts every participant must share, by name; the coordinator sends its own to everyone
     * first and a participant started with others stops naming the difference (and is left out).
     */
    static Map<String, String> facts(Config c, InputScaling scaling) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("aggregation (--plaintext)", c.secure() ? "secure" : "plain");
        f.put("network (--network)", c.network().describe());
        f.put("clients (--clients)", "" + c.clients());
        f.put("fraction (--fraction)", "" + c.fraction());
        f.put("rounds (--rounds)", "" + c.rounds());
        f.put("local epochs (--local-epochs)", "" + c.localEpochs());
        f.put("batch size (--batch)", "" + c.batchSize());
        f.put("local optimizer (--lr, --momentum, --mu)", c.sgd() + " mu " + c.mu());
        f.put("initial weights (--init)", c.init().toString());
        f.put("server momentum (--server-momentum)", "" + c.beta());
        f.put("minimum clients (--min-clients)", "" + c.minimum());
        f.put("clip (--clip)", "" + c.clip());
        f.put("seed (--seed)", "" + c.seed());
        f.put("deadline (--deadline)", c.deadline().toString());
        f.put("norm bound (--norm-bound)", "" + c.normBound());
        f.put("pixel scaling (--pixel-scaling)", scaling.toString());
        f.put("fixed-point format", "Z_2^128 f=" + FP.fractionalBits());
        return f;
    }

    private static Tag tag(int round, int position) {
        return new Tag(Tag.Kind.AGGREGATE, round, position);
    }

    /** The initial global model: public, from the seed. */
    static FloatModel initialModel(Config c) {
        return FloatModel.create(c.network(), Shape.of(c.batchSize(), 1, 28, 28), c.init().initializer(c.seed()),
                c.sgd());
    }

    /** A client's vector: {@code n_k * update} then {@code n_k}. */
    static Shape vector(Config c) {
        return vector(modelLengths(c));
    }

    /** The vector of a model of parameters {@code lengths} long. */
    private static Shape vector(int[] lengths) {
        return Shape.of(java.util.Arrays.stream(lengths).sum() + 1);
    }

    /** The parameter lengths of the model: what a client expects from the coordinator. */
    private static int[] modelLengths(Config c) {
        return Messages.lengths(initialModel(c).paramValues());
    }

    /** Told after each round at the coordinator. */
    @FunctionalInterface
    public interface RoundListener {
        RoundListener NONE = r -> { };

        void after(Round round);
    }

    /**
     * Everyone's part in this JVM, each participant a thread over an in-memory network: the first
     * {@code trainImages} of {@code train} partitioned among the clients; the coordinator tests
     * each round's model on {@code test}.
     */
    public static Result run(Config c, Mnist train, Mnist test, int testImages, Faults faults) throws Exception {
        return run(c, train, test, testImages, faults, RoundListener.NONE);
    }

    /** {@link #run(Config, Mnist, Mnist, int, Faults)}, {@code listener} told of each round as it ends. */
    public static Result run(Config c, Mnist train, Mnist test, int testImages, Faults faults, RoundListener listener)
            throws Exception {
        int[][] parts = partition(c, train);
        java.util.concurrent.atomic.AtomicReference<Result> result = new java.util.concurrent.atomic.AtomicReference<>();
        Map<Role, LocalComputation.Outsider> all = new LinkedHashMap<>();
        InputScaling scaling = InputScaling.UNIT; // the data come scaled; the fact is only compared
        all.put(COORDINATOR, t -> result.set(coordinator(c, scaling, t, test, testImages, listener)));
        for (Role a : new Role[]{Role.P0, Role.P1}) {
            all.put(a, t -> aggregator(c, scaling, t));
        }
        if (c.normBound() > 0) {
            all.put(Role.DEALER, t -> dealer(c, t, AesCtrPrg.freshSeed()));
        }
        for (int k = 0; k < c.clients(); k++) {
            Mnist own = train.select(parts[k]);
            int me = k;
            all.put(client(k), t -> client(c, scaling, me, own, t, faults));
        }
        Participants.run(all, Duration.ofSeconds(120));
        return result.get();
    }

    /** The clients' parts of the first {@code trainImages}, refused if a client's vector could leave the fixed-point range. */
    public static int[][] partition(Config c, Mnist train) {
        int n = Mnist.imagesUsed(c.trainImages(), train.size());
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = train.label(i);
        }
        int[][] parts = Partitions.of(c.partition(), labels, c.clients(), c.seed());
        c.checkHeadroom(java.util.Arrays.stream(parts).mapToInt(p -> p.length).max().orElse(0));
        return parts;
    }

    /**
     * The coordinator's part: per round the global model to the round's sample, the word to the
     * aggregators that the round begins, the sum (or the word that it was skipped), the model's
     * step, its test accuracy. Returns the final model and the rounds.
     */
    public static Result coordinator(Config c, InputScaling scaling, Transport t, Mnist test, int testImages, RoundListener listener) {
        byte[] facts = Facts.encode(facts(c, scaling));
        List<Role> aggregators = c.secure() ? List.of(Role.P0, Role.P1) : List.of(Role.P0); // the reference adds at P0 alone
        List<Role> told = new ArrayList<>(aggregators);
        for (int k = 0; k < c.clients(); k++) {
            told.add(client(k));
        }
        for (Role r : told) {
            sendOrLeaveOut(t, r, () -> t.sendBytes(r, tag(0, FACTS), facts));
        }
        FloatModel global = initialModel(c);
        Shape vector = vector(c);
        int size = vector.size() - 1;
        double[] velocity = new double[size];
        List<Round> log = new ArrayList<>();
        for (int round = 0; round < c.rounds(); round++) {
            List<Integer> sampled = sample(c, round);
            List<double[]> roundStart = global.paramValues();
            long start = System.nanoTime();
            for (int k : sampled) {
                int r = round;
                sendOrLeaveOut(t, client(k), () -> Messages.sendDoubles(t, client(k), Tag.Kind.WEIGHTS, r, roundStart));
            }
            for (Role a : aggregators) {
                t.sendBytes(a, tag(round, BEGIN), new byte[0]);
            }
            Duration answer = c.deadline().plus(ROUND_WAIT);
            SecureAggregation.Sum agg = SecureAggregation.receive(t, round, vector, answer, aggregators);
            double aggregation = java.nio.ByteBuffer.wrap(t.receiveBytes(Role.P0, tag(round, TIMING))).getDouble();
            double roundSeconds = (System.nanoTime() - start) / 1e9;
            if (agg.skipped()) {
                System.err.printf("round %d skipped: %d clients in, fewer than the minimum %d; nothing revealed%n",
                        round + 1, agg.clients(), c.minimum());
            } else {
                double[] sum = FP.decode(agg.value());
                double examples = sum[size];
                double[] next = flatten(roundStart);
                for (int i = 0; i < size; i++) {
                    double step = sum[i] / examples;
                    velocity[i] = c.beta() * velocity[i] + step;
                    next[i] += c.beta() == 0 ? step : velocity[i];
                }
                global.load(unflatten(next, roundStart));
            }
            double accuracy = Evaluation.accuracy(c.network(), global.paramValues(), test, testImages);
            long upload = (c.secure() ? 16 : 0) + 16L * vector.size(); // a seed to P0 and the masked vector to P1
            Round done = new Round(round, sampled, agg.clients(), agg.skipped(), accuracy, upload,
                    Math.max(0, roundSeconds - aggregation), aggregation);
            log.add(done);
            listener.after(done);
        }
        return new Result(global.paramValues(), log);
    }

    /** At an aggregator or a client: the coordinator's facts, refused naming the first difference from this one's. */
    private static void requireCoordinatorsFacts(Config c, InputScaling scaling, Transport t) {
        Facts.requireSame(facts(c, scaling), t.self(), Facts.decode(t.receiveBytes(COORDINATOR, tag(0, FACTS)), COORDINATOR),
                COORDINATOR);
    }

    /** Sends, or says that {@code to} is gone and will be left out (its link closed: it died or was refused). */
    private static void sendOrLeaveOut(Transport t, Role to, Runnable send) {
        try {
            send.run();
        } catch (RuntimeException gone) {
            System.err.println(t.self() + ": " + to + " is gone and will be left out: " + gone.getMessage());
        }
    }

    /**
     * An aggregator's part: per round, from the coordinator's word on, the shares of the round's
     * sample until the deadline, the agreement on who is in, and the sum's share to the
     * coordinator (P0 also the aggregation's time). A client missed once is not waited for again.
     */
    public static void aggregator(Config c, InputScaling scaling, Transport t) {
        if (!c.secure() && t.self().equals(Role.P1)) {
            return; // the plaintext reference adds at P0 alone
        }
        requireCoordinatorsFacts(c, scaling, t);
        Shape vector = vector(c);
        List<Role> waitingFor = new ArrayList<>();
        for (int k = 0; k < c.clients(); k++) {
            waitingFor.add(client(k));
        }
        NormBound bound = c.normBound() > 0 ? normBound(c, vector) : null;
        Handshake.Party joined = bound == null ? null
                : Handshake.computeParty(t, bound.plan(), FP, 0, c.rounds(), AesCtrPrg.freshSeed(), facts(c, scaling));
        for (int round = 0; round < c.rounds(); round++) {
            t.receiveBytes(COORDINATOR, tag(round, BEGIN), ROUND_WAIT);
            long deadline = System.nanoTime() + c.deadline().toNanos();
            List<Role> expected = new ArrayList<>();
            for (int k : sample(c, round)) {
                if (waitingFor.contains(client(k))) {
                    expected.add(client(k));
                }
            }
            SecureAggregation.Collected got = c.secure() ? SecureAggregation.collect(t, round, expected, vector, deadline)
                    : collectClear(t, round, expected, vector, deadline);
            if (bound != null) {
                got = checkNorms(c, bound, joined, round, got);
            }
            SecureAggregation.reveal(t, COORDINATOR, round, got, c.minimum());
            waitingFor.removeAll(got.missed());
            if (!got.missed().isEmpty()) {
                System.err.printf("%s, round %d: left out %s (no share by the deadline)%n", t.self(), round + 1,
                        String.join(", ", got.missed().stream().map(Role::name).toList()));
            }
            if (t.self().equals(Role.P0)) {
                t.sendBytes(COORDINATOR, tag(round, TIMING),
                        java.nio.ByteBuffer.allocate(8).putDouble((System.nanoTime() - got.waitedUntil()) / 1e9).array());
            }
        }
        if (joined != null) {
            Handshake.done(t); // the dealer counts the run a success only when both aggregators say so
        }
    }

    /** The norm bound's plan: one row per sampled client, each a client's vector. */
    static NormBound normBound(Config c, Shape vector) {
        return NormBound.of(sample(c, 0).size(), vector.size());
    }

    /**
     * The round's clients checked against the norm bound on shares (absent ones as zero rows);
     * those that fail are left out of the sum at both aggregators, the log naming them.
     */
    private static SecureAggregation.Collected checkNorms(Config c, NormBound bound, Handshake.Party joined, int round,
                                                         SecureAggregation.Collected got) {
        ComputeParty party = joined.party();
        party.beginStep(round, joined.randomness().forStep(round));
        boolean[] pass = bound.check(party, got.shares(), c.normBound());
        for (int i = 0; i < got.clients().size(); i++) {
            if (!pass[i]) {
                System.err.printf("%s, round %d: %s's update exceeds the norm bound %s: left out%n", party.role(), round + 1,
                        got.clients().get(i), c.normBound());
            }
        }
        return got.keeping(i -> pass[i]);
    }

    /** The dealer's part when the norm bound is on: each round's randomness for the check, then the aggregators' word. */
    public static void dealer(Config c, Transport t, byte[] seed) {
        Dealer dealer = new Dealer(normBound(c, vector(c)).plan(), t, seed);
        dealer.setup(0, c.rounds());
        for (int round = 0; round < c.rounds(); round++) {
            dealer.produce(round);
        }
        Handshake.awaitParties(t, ROUND_WAIT); // the rounds take as long as the clients' training
    }

    /**
     * Client {@code me}'s part: for each round it is sampled for, the model, local training on
     * its own data, and {@code n_k * update} split between P0 and P1.
     */
    public static void client(Config c, InputScaling scaling, int me, Mnist data, Transport t, Faults faults) {
        requireCoordinatorsFacts(c, scaling, t);
        int[] lengths = modelLengths(c);
        Shape vector = vector(lengths);
        int[] all = java.util.stream.IntStream.range(0, data.size()).toArray();
        for (int round = 0; round < c.rounds(); round++) {
            if (!sample(c, round).contains(me)) {
                continue;
            }
            if (faults.dyingClient() == me && round >= faults.diesAtRound()) {
                t.close(); // killed: its links close
                return;
            }
            List<double[]> start = Messages.receiveDoubles(t, COORDINATOR, Tag.Kind.WEIGHTS, round, lengths, ROUND_WAIT);
            double[] v = localUpdate(c, data, all, start, flatten(start), round, me);
            if (faults.poisonedClient() == me) {
                for (int i = 0; i + 1 < v.length; i++) {
                    v[i] = v[v.length - 1] * (v[i] >= 0 ? c.clip() : -c.clip());
                }
            }
            Ring128Tensor x = FP.encode(vector, v);
            if (faults.onlyP0Client() == me && faults.onlyP0Round() == round) {
                t.sendBytes(Role.P0, tag(round, 0), new byte[16]); // its P1 share never arrives
            } else if (c.secure()) {
                SecureAggregation.submit(t, round, x);
            } else { // the reference: the vector in the clear to P0, nothing to P1
                t.send(Role.P0, tag(round, 0), x);
            }
        }
    }

    /** The plaintext reference at P0: the clear vectors of {@code clients} until the deadline, added. */
    private static SecureAggregation.Collected collectClear(Transport t, int round, List<Role> clients, Shape vector,
                                                           long deadline) {
        List<Role> in = new ArrayList<>();
        List<Ring128Tensor> vectors = new ArrayList<>();
        List<Role> missed = new ArrayList<>();
        for (Role who : clients) {
            try {
                vectors.add(t.receive(who, tag(round, 0), Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))));
                in.add(who);
            } catch (ProtocolException gone) {
                missed.add(who);
            }
        }
        return new SecureAggregation.Collected(vector, in, vectors, missed, System.nanoTime());
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
                double loss = local.trainStep(train.images(batch), train.oneHot(batch));
                if (!Double.isFinite(loss)) { // a NaN update would be refused by the encoding anyway: say why
                    throw new LocalTraining.DivergedException("client " + client + " diverged in round " + (round + 1)
                            + " (local epoch " + (e + 1) + ", loss " + loss + "): lower --lr");
                }
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

    /** The run in one line, as the commands print it first. */
    public static String describe(Config c) {
        return String.format("federated averaging, %s aggregation: %d clients, C=%.2f, E=%d, B=%d, %s; %s; float kernels %s",
                c.secure() ? "secure" : "plaintext", c.clients(), c.fraction(), c.localEpochs(), c.batchSize(), c.partition(),
                c.network().describe(), FloatModel.kernels());
    }

    /** A round as the commands print it. */
    public static String line(Round r) {
        return String.format("round %3d: %2d clients in%s, test accuracy %.2f%%, %,d bytes up per client, local %.1f s, "
                        + "aggregation %.2f s", r.round() + 1, r.aggregated(), r.skipped() ? " (skipped)" : "", 100 * r.accuracy(),
                r.uploadBytesPerClient(), r.localSeconds(), r.aggregationSeconds());
    }

    /** The per-round metrics as CSV (header first). */
    public static String csv(List<Round> rounds) {
        StringBuilder s = new StringBuilder("round,sampled,aggregated,skipped,test_accuracy,upload_bytes_per_client,"
                + "local_seconds,aggregation_seconds\n");
        for (Round r : rounds) {
            s.append(String.format(java.util.Locale.ROOT, "%d,%d,%d,%b,%.4f,%d,%.3f,%.3f%n", r.round() + 1, r.sampled().size(),
                    r.aggregated(), r.skipped(), r.accuracy(), r.uploadBytesPerClient(), r.localSeconds(), r.aggregationSeconds()));
        }
        return s.toString();
    }
}
