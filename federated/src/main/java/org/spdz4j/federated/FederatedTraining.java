package org.spdz4j.federated;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.data.Dataset;
import org.spdz4j.data.Partitions;
import org.spdz4j.layers.FeatureScaling;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;
import org.spdz4j.core.transport.Facts;
import org.spdz4j.core.transport.Mismatch;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.run.Messages;
import org.spdz4j.run.Participants;
import org.spdz4j.triples.LocalComputation;

/**
 * Federated averaging. Each participant's part is a class with one entry point over a
 * {@link Transport} ({@link Coordinator}, {@link Aggregator}, {@link FedClient}; the input check's
 * dealer is {@link Aggregator#dealer}), run as threads of
 * one JVM by {@link #run} and as processes over TLS by the {@code fed-*} commands: the
 * coordinator holds the global model in the clear and sends it to a public, seeded sample of
 * the clients each round; each trains it locally ({@code localEpochs} at batch {@code batchSize})
 * on its own partition and, clipped to {@code clip} per element, splits {@code n_k * update_k}
 * and {@code n_k} between P0 and P1 ({@link SecureAggregation}); they reveal only the sums, and
 * only with at least {@code minimum} clients in (local objective with FedProx's proximal term when
 * {@code mu > 0}), to the coordinator, who moves the model by
 * {@code sum(n_k update_k) / sum(n_k)} (with server momentum {@code beta} when it is not 0).
 * {@code secure = false} adds the same vectors in the clear: the reference. With secure
 * aggregation the aggregators first check what each client sent on shares, and with a norm bound
 * its update's norm too ({@link InputCheck}).
 *
 * <pre>{@code
 * FederatedTraining.Result r = FederatedTraining.run(config, train, test, 1000, FederatedTraining.Faults.NONE);
 * }</pre>
 */
public final class FederatedTraining {
    static final FixedPoint FP = FixedPoint.DEFAULT;
    public static final Role COORDINATOR = Role.parse("COORDINATOR");

    private FederatedTraining() {
    }

    /** An encoded client element {@code n_k * update * 2^f} stays below 2^62 in magnitude (see {@link Config#checkHeadroom}). */
    static final int HEADROOM_BITS = 62;

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
     * @param normBound   the largest L2 norm of a client's update, checked on shares ({@link InputCheck}; 0: none)
     * @param clipOnShares every update element also clipped to {@code [-clip, clip]} on shares
     * @param inputCheck  what each client sends checked on shares before it touches the sum (its elements' range,
     *                    its example count; {@link InputCheck}): secure aggregation only, where it is the default
     */
    public record Config(Network network, int clients, double fraction, int rounds, int localEpochs, int batchSize, Sgd sgd,
                  double mu, double beta, int minimum, double clip, String partition, int trainImages, long seed, WeightInit init,
                  boolean secure, Duration deadline, double normBound, boolean clipOnShares, boolean inputCheck) {
        public Config {
            if (inputCheck && !secure) {
                throw new IllegalArgumentException("the input check runs on shares: it needs secure aggregation (no --plaintext)");
            }
            if (normBound != 0 && !inputCheck) {
                throw new IllegalArgumentException("the norm bound is part of the check on shares: it needs secure aggregation "
                        + "(no --plaintext) and the input check (no --no-input-check)");
            }
            if (clipOnShares && !inputCheck) {
                throw new IllegalArgumentException("--clip-on-shares is part of the check on shares: it needs secure aggregation "
                        + "(no --plaintext) and the input check (no --no-input-check)");
            }
        }

        /** A run whose updates are not clipped on shares, checked on shares when {@code secure}. */
        public Config(Network network, int clients, double fraction, int rounds, int localEpochs, int batchSize, Sgd sgd,
                      double mu, double beta, int minimum, double clip, String partition, int trainImages, long seed, WeightInit init,
                      boolean secure, Duration deadline, double normBound) {
            this(network, clients, fraction, rounds, localEpochs, batchSize, sgd, mu, beta, minimum, clip, partition, trainImages,
                    seed, init, secure, deadline, normBound, false, secure);
        }

        /** The same run with updates bounded to L2 norm {@code bound} (0: none). */
        Config withNormBound(double bound) {
            return new Config(network, clients, fraction, rounds, localEpochs, batchSize, sgd, mu, beta, minimum, clip, partition,
                    trainImages, seed, init, secure, deadline, bound, clipOnShares, inputCheck);
        }

        /** The same run without the check on shares (and so without a norm bound or clip on shares). */
        Config withoutInputCheck() {
            return new Config(network, clients, fraction, rounds, localEpochs, batchSize, sgd, mu, beta, minimum, clip, partition,
                    trainImages, seed, init, secure, deadline, 0, false, false);
        }

        /** The same run with every update element also clipped to {@code [-clip, clip]} on shares (needs the input check). */
        Config withClipOnShares() {
            return new Config(network, clients, fraction, rounds, localEpochs, batchSize, sgd, mu, beta, minimum, clip, partition,
                    trainImages, seed, init, secure, deadline, normBound, true, inputCheck);
        }

        /**
         * The most examples a client may count: what the fixed-point headroom holds at this clip
         * (see checkHeadroom), and the count itself an element within it (a clip below 1 no longer
         * raises it; before, a clip under 0.5 made the count check's bound overflow and refuse
         * every client).
         */
        public long mostExamples() {
            return (long) Math.floor(Math.scalb(1.0, HEADROOM_BITS - FP.fractionalBits()) / Math.max(1, clip));
        }

        /**
         * Refuses a configuration whose encoded client vectors could leave the fixed-point range:
         * each element {@code |n_k * update| <= n_max * clip} must stay below 2^(62 - f); the sum of
         * K such values then stays below K * 2^62, far inside the ring (2^127) for any K below 2^64.
         */
        public void checkHeadroom(int largestPart) {
            double bound = (double) largestPart * Math.max(1, clip); // the updates' elements and the count itself
            double limit = Math.scalb(1.0, HEADROOM_BITS - FP.fractionalBits());
            if (!(bound < limit)) {
                throw new IllegalArgumentException("a client with " + largestPart + " examples and updates clipped to "
                        + clip + " sends values up to " + bound + ", beyond the fixed-point headroom 2^" + (HEADROOM_BITS - FP.fractionalBits())
                        + " for " + FP.fractionalBits() + " fractional bits: lower --clip");
            }
        }
    }

    /**
     * Test hooks: a client that dies from a round on, a client that reaches only P0 in one round,
     * a client that poisons its updates (every element pushed to the clip, the largest update the
     * clip allows), and a client that breaks the protocol every round ({@code attacker} with
     * {@code attack}).
     */
    public record Faults(int diesAtRound, int dyingClient, int onlyP0Round, int onlyP0Client, int poisonedClient,
                         int attacker, Attack attack) {
        public static final Faults NONE = new Faults(-1, -1, -1, -1, -1);

        /** The faults without an attacker. */
        public Faults(int diesAtRound, int dyingClient, int onlyP0Round, int onlyP0Client, int poisonedClient) {
            this(diesAtRound, dyingClient, onlyP0Round, onlyP0Client, poisonedClient, -1, null);
        }

        /** Only {@code attacker} sending {@code attack} every round. */
        public static Faults attack(int attacker, Attack attack) {
            return new Faults(-1, -1, -1, -1, -1, attacker, attack);
        }
    }

    /** What a malicious client sends instead of its share (see {@link Faults#attack}). */
    public enum Attack {
        /** A 17-byte PRG seed to P0. */
        LONG_SEED,
        /** An example count that brings the round's total to 0 (the others' counts, negated). */
        NEGATIVE_COUNT,
        /** Its example count times 10^9. */
        INFLATED_COUNT,
        /** One element of its share shifted by 2^126 (wraps a squared norm; the sum decodes to nonsense). */
        SHIFTED_ELEMENT,
        /** One element of its share shifted by 2^127: its square is unchanged, only a full-ring comparison sees it. */
        HALF_RING_SHIFT,
        /** Its update times 100, past its own clip (within a generous norm bound: what a clip on shares catches). */
        BOOSTED
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
    static final int BEGIN = 4;
    static final int TIMING = 5;
    static final int FACTS = 6;
    /** The coordinator's fact that names the run's classes, one a line. */
    static final String CLASSES = "classes (server 0's test data)";
    /** The coordinator's fact, where its data is a CSV: how every client standardises its columns. */
    static final String FEATURES = "feature statistics (server 0's training file)";

    /**
     * What the coordinator states besides the run's facts: the classes in the model's output
     * order, and for a CSV the statistics every client standardises its columns by (else null).
     */
    record Stated(List<String> classes, FeatureScaling features) {
    }
    /** To a client, after the facts: the first round it may be in (0, or the round it joined late or came back at). */
    static final int JOINED = 7;
    /**
     * To the dealer, from P0: the round's check on shares begins. The dealer produces a round's
     * randomness only then, so it never waits, blocked on a full link, through the clients' local
     * training (longer than any message's timeout).
     */
    static final int CHECK = 8;
    /** The coordinator to the aggregators, after its facts: the run's first round (from 0; later on a resumed run). */
    static final int FIRST_ROUND = 9;

    /** The coordinator tells {@code to} a round's number, under {@code position} ({@link #FIRST_ROUND}, {@link #JOINED}). */
    static void sendRound(Transport t, Role to, int position, int round) {
        t.sendBytes(to, tag(0, position), java.nio.ByteBuffer.allocate(4).putInt(round).array());
    }

    /** The round's number the coordinator told this participant under {@code position} ({@link #sendRound}). */
    static int receiveRound(Transport t, int position) {
        return java.nio.ByteBuffer.wrap(t.receiveBytes(COORDINATOR, tag(0, position), ROUND_WAIT)).getInt();
    }

    /**
     * Where the coordinator saves its state after each round ({@code --checkpoint-dir}; null:
     * nowhere) and whether it starts from the newest state saved there ({@code --resume}); see
     * {@link RoundCheckpoint}.
     */
    public record Checkpoints(java.nio.file.Path dir, boolean resume) {
        public static final Checkpoints NONE = new Checkpoints(null, false);

        public Checkpoints {
            if (resume && dir == null) {
                throw new IllegalArgumentException("--resume needs --checkpoint-dir: the folder the coordinator saved "
                        + "its rounds in");
            }
        }
    }

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
        if (c.inputCheck()) {
            roles.add(Role.DEALER); // the input check's randomness
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
        f.put("clip on shares (--clip-on-shares)", "" + c.clipOnShares());
        f.put("input check on shares (--no-input-check)", "" + c.inputCheck());
        f.put("pixel scaling (--pixel-scaling)", scaling.toString());
        f.put("fixed-point format", "Z_2^128 f=" + FP.fractionalBits());
        return f;
    }

    static Tag tag(int round, int position) {
        return new Tag(Tag.Kind.AGGREGATE, round, position);
    }

    /** The initial global model: public, from the seed. */
    static FloatModel initialModel(Config c) {
        return FloatModel.create(c.network(), c.network().batchShape(c.batchSize()), c.init().initializer(c.seed()),
                c.sgd());
    }

    /** A client's vector: {@code n_k * update} then {@code n_k}. */
    static Shape vector(Config c) {
        return vector(modelLengths(c));
    }

    /** The vector of a model of parameters {@code lengths} long. */
    static Shape vector(int[] lengths) {
        return Shape.of(java.util.Arrays.stream(lengths).sum() + 1);
    }

    /** The parameter lengths of the model: what a client expects from the coordinator. */
    static int[] modelLengths(Config c) {
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
    public static Result run(Config c, Dataset train, Dataset test, int testImages, Faults faults) throws Exception {
        return run(c, train, test, testImages, faults, RoundListener.NONE);
    }

    /** {@link #run(Config, Dataset, Dataset, int, Faults)}, {@code listener} told of each round as it ends. */
    public static Result run(Config c, Dataset train, Dataset test, int testImages, Faults faults, RoundListener listener)
            throws Exception {
        return run(c, train, test, testImages, faults, listener, Checkpoints.NONE);
    }

    /**
     * {@link #run(Config, Dataset, Dataset, int, Faults, RoundListener)}, the coordinator saving
     * its state after each round and resuming as {@code checkpoints} say.
     */
    public static Result run(Config c, Dataset train, Dataset test, int testImages, Faults faults, RoundListener listener,
                             Checkpoints checkpoints) throws Exception {
        List<Dataset> own = new ArrayList<>();
        for (int[] part : partition(c, train)) {
            own.add(train.select(part));
        }
        return run(c, own, test, testImages, faults, listener, checkpoints);
    }

    /**
     * As {@link #run(Config, Dataset, Dataset, int, Faults, RoundListener, Checkpoints)}, client k
     * training on {@code clients.get(k)}, its own data: its classes are numbered by the test
     * data's by name (a client may hold some of them only, or name them in another order).
     */
    public static Result run(Config c, List<Dataset> clients, Dataset test, int testImages, Faults faults,
                             RoundListener listener, Checkpoints checkpoints) throws Exception {
        if (clients.size() != c.clients()) {
            throw new IllegalArgumentException(clients.size() + " clients' data for a run of " + c.clients() + " clients");
        }
        java.util.concurrent.atomic.AtomicReference<Result> result = new java.util.concurrent.atomic.AtomicReference<>();
        Map<Role, LocalComputation.Outsider> all = new LinkedHashMap<>();
        InputScaling scaling = InputScaling.UNIT; // the data come scaled; the fact is only compared
        all.put(COORDINATOR, t -> result.set(Coordinator.run(c, scaling, t, test, testImages, listener, checkpoints)));
        for (Role a : new Role[]{Role.P0, Role.P1}) {
            all.put(a, t -> Aggregator.run(c, scaling, t));
        }
        if (c.inputCheck()) {
            all.put(Role.DEALER, t -> Aggregator.dealer(c, t, AesCtrPrg.freshSeed()));
        }
        for (int k = 0; k < c.clients(); k++) {
            Dataset own = clients.get(k);
            int me = k;
            all.put(client(k), t -> FedClient.run(c, scaling, me, own, t, faults));
        }
        Participants.run(all, Duration.ofSeconds(120));
        return result.get();
    }

    /** The clients' parts of the first {@code trainImages}, refused if a client's vector could leave the fixed-point range. */
    public static int[][] partition(Config c, Dataset train) {
        int n = Dataset.imagesUsed(c.trainImages(), train.size());
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            labels[i] = train.label(i);
        }
        int[][] parts = Partitions.of(c.partition(), labels, c.clients(), c.seed());
        c.checkHeadroom(java.util.Arrays.stream(parts).mapToInt(p -> p.length).max().orElse(0));
        return parts;
    }

    /**
     * What the coordinator tells everyone: the run's facts, then its classes in the model's output
     * order (its test data's), by which each client numbers its own by name.
     */
    static byte[] coordinatorsFacts(Map<String, String> runFacts, Stated stated) {
        List<String> classes = stated.classes();
        Map<String, String> told = new LinkedHashMap<>(runFacts);
        String names = String.join("\n", classes);
        if (classes.stream().anyMatch(n -> n.contains("\n")) || names.length() > 16_000) {
            throw new IllegalArgumentException("the run's class names cannot be told the clients (a name with a line break, "
                    + "or more than 16,000 characters in all)");
        }
        told.put(CLASSES, names);
        if (stated.features() != null) {
            String features = stated.features().encode();
            if (features.length() > 16_000) {
                throw new IllegalArgumentException("the training file's statistics cannot be told the clients (more than "
                        + "16,000 characters)");
            }
            told.put(FEATURES, features);
        }
        return Facts.encode(told);
    }

    /**
     * At an aggregator or a client: the coordinator's facts, refused naming the first difference
     * from this one's; returns the classes (and feature statistics) it stated.
     */
    static Stated requireCoordinatorsFacts(Config c, InputScaling scaling, Transport t) {
        // a client that joined late is told at the next round's start: a whole round may pass first
        Map<String, String> theirs = new LinkedHashMap<>(Facts.decode(t.receiveBytes(COORDINATOR, tag(0, FACTS), ROUND_WAIT),
                COORDINATOR));
        String classes = theirs.remove(CLASSES);
        String features = theirs.remove(FEATURES);
        Facts.requireSame(facts(c, scaling), t.self(), theirs, COORDINATOR);
        List<String> names = classes == null ? List.of() : List.of(classes.split("\n", -1));
        if (names.size() != c.network().outputs()) {
            throw new Mismatch("another plan: " + COORDINATOR + " states " + names.size() + " classes but " + t.self()
                    + "'s network has " + c.network().outputs() + " outputs");
        }
        try {
            return new Stated(names, features == null ? null : FeatureScaling.decode(features));
        } catch (IllegalArgumentException e) {
            throw new ProtocolException(COORDINATOR + " stated malformed feature statistics: " + e.getMessage(), e);
        }
    }

    /** The classes of a run whose coordinator has no test data to name them: 0, 1, ..., outputs - 1 (MNIST's digits). */
    static List<String> numbered(int outputs) {
        return java.util.stream.IntStream.range(0, outputs).mapToObj(Integer::toString).toList();
    }

    /** Runs {@code send} to {@code to}; if {@code to} is gone, says so and returns false (it is left out). */
    static boolean sendOrLeaveOut(Transport t, Role to, Runnable send) {
        try {
            send.run();
            return true;
        } catch (RuntimeException gone) {
            System.err.println(t.self() + ": " + to + " is gone and will be left out: " + gone.getMessage());
            return false;
        }
    }

    /** Roles as a message: their names, comma-separated. */
    static byte[] names(List<Role> roles) {
        return String.join(",", roles.stream().map(Role::name).toList()).getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The roles of a {@link #names} message; an unknown name is refused. */
    static List<Role> roles(byte[] names) {
        String s = new String(names, java.nio.charset.StandardCharsets.UTF_8);
        return s.isEmpty() ? List.of() : java.util.Arrays.stream(s.split(",")).map(Role::parse).toList();
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
}
