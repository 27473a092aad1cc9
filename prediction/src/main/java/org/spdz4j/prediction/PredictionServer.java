package org.spdz4j.prediction;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.SecureClassifier;
import org.spdz4j.layers.SharedModel;
import org.spdz4j.triples.Dealer;
import org.spdz4j.triples.Handshake;
import org.spdz4j.triples.PartyRandomness;

/**
 * The servers' side of private prediction: P0 and P1 each hold a share of a model that is never
 * revealed ({@link SharedModel}); the clients connected for a session secret-share their inputs
 * (a seed to P0, the difference to P1), the servers run the forward pass and a secure argmax on
 * shares, in batches with the dealer's material, and send each client its answers' shares only.
 * Neither server sees an input, an answer or the other's share of the model; the dealer sees the
 * network (public) and the number of batches.
 *
 * <p>One session: the model card to each client, while the servers agree on the model and the
 * options and tell each other their clients (one message each way); each client's request (its
 * seed at P0, the count, its inputs' shares at P1), taken whole before anything is computed, so a client that
 * leaves mid-request, or sends a count or shape the card does not allow, is left out with the
 * reason while the others are served; the two servers keep only the requests both took; P0 tells
 * the dealer the number of batches; the batches (all clients' inputs in one sequence, the last
 * padded with zeros); each client's answers; each client's word that it has them.
 *
 * <pre>{@code
 * SharedModel mine = SharedModel.read(Path.of("P0.share"), Role.P0);
 * PredictionServer.Session s = PredictionServer.serve(transport, mine, clientsConnected,
 *         new PredictionServer.Options(100, 10_000), AesCtrPrg.freshSeed(), System.out::println);
 * PredictionServer.dealer(dealerTransport, AesCtrPrg.freshSeed(), Duration.ofMinutes(10));   // the dealer's process
 * }</pre>
 *
 * <h2>What it throws</h2>
 * {@link ProtocolException} when the two servers hold halves of different models or run another
 * batch size (both named), when the other server or the dealer fails or leaves (named); a client's
 * failure never ends a session.
 */
public final class PredictionServer {
    static final Tag CARD = new Tag(Tag.Kind.PREDICTION, 0, 0);
    static final Tag REQUEST = new Tag(Tag.Kind.PREDICTION, 0, 1);
    static final Tag VERDICT = new Tag(Tag.Kind.PREDICTION, 0, 2);
    static final Tag ANSWER = new Tag(Tag.Kind.OUTPUT, 0, 0);
    static final Tag PROBABILITIES = new Tag(Tag.Kind.OUTPUT, 0, 1);
    static final Tag CLIENT_DONE = new Tag(Tag.Kind.DONE, 0, 1);
    private static final Tag CONNECTED = new Tag(Tag.Kind.PREDICTION, 1, 0);
    private static final Tag TAKEN = new Tag(Tag.Kind.PREDICTION, 1, 1);
    private static final Tag SESSION = new Tag(Tag.Kind.PREDICTION, 2, 0);
    /** The first line of a server's list of requests: its round trip to the other, in microseconds. */
    private static final String ROUND_TRIP = "round-trip-us ";
    /** How long a server waits for the answers to its pings (sent as its session starts and once the facts met). */
    private static final Duration PING_WAIT = Duration.ofSeconds(30);
    /** The verdict a served client receives, followed by the number of batches. */
    static final String ACCEPTED = "accepted";

    private PredictionServer() {
    }

    /**
     * How a batch of up to 8 inputs runs each max pool and the ReLU after it
     * ({@link SecureClassifier.PoolRelu}; larger batches run them apart).
     */
    public enum PoolReluChoice {
        /**
         * All pairs where a round costs more than the extra bytes of a batch are likely to: each
         * server pings the other as the session starts and again once their facts met
         * ({@link Transport#roundTrip}: the link's round trip, answered by the transport whatever
         * the other is doing), they tell each other the least answered when the clients' requests
         * are in, and both take all pairs where half the mean is at least
         * {@value #AUTO_MS_PER_INPUT} ms a one-way time for each input of a batch; the tournament
         * otherwise.
         */
        AUTO,
        /** Every pair of a 2x2 window at once: 5 rounds, about 1.8 times the bytes of the tournament. */
        ALL_PAIRS,
        /** The tournament with the ReLU in its last level: 9 rounds. */
        TOURNAMENT;

        /**
         * {@link #AUTO}'s threshold: ms of one-way time per input of a batch. All pairs save 8
         * one-way times a batch of the narrow network, and send about 2.3 MB more an input
         * (online and the dealer's: 18 ms at 1 Gbit/s) and compute more. Measured with
         * {@code spdz predict-bench} on two cores (docs/prediction.md): a lone input gains from a
         * 10 ms round trip on; a batch of 8 gains from 50 ms on an unlimited link and breaks even
         * at 100 ms at 100 Mbit/s.
         */
        public static final double AUTO_MS_PER_INPUT = 5;

        /**
         * The fixed choices a batch of {@code batch} inputs may take under this one: both for
         * {@link #AUTO} up to {@link SecureClassifier#FUSED_UP_TO} inputs, the tournament above
         * (larger batches run each max pool and its ReLU apart whatever the choice), itself otherwise.
         */
        public List<PoolReluChoice> candidates(int batch) {
            if (batch > SecureClassifier.FUSED_UP_TO) {
                return List.of(TOURNAMENT);
            }
            return this == AUTO ? List.of(ALL_PAIRS, TOURNAMENT) : List.of(this);
        }

        /** The protocol for batches of {@code batch} inputs where half the servers' round trip is {@code oneWayMs}. */
        public SecureClassifier.PoolRelu forLink(double oneWayMs, int batch) {
            return switch (this) {
                case ALL_PAIRS -> SecureClassifier.PoolRelu.ALL_PAIRS;
                case TOURNAMENT -> SecureClassifier.PoolRelu.TOURNAMENT;
                case AUTO -> oneWayMs >= AUTO_MS_PER_INPUT * batch ? SecureClassifier.PoolRelu.ALL_PAIRS
                        : SecureClassifier.PoolRelu.TOURNAMENT;
            };
        }
    }

    /**
     * How the servers batch.
     *
     * @param batch      inputs per batch (one plan step); a request larger than a batch is split over several
     * @param maxRequest the most inputs a client may send in one session
     * @param poolRelu   how a batch of up to 8 inputs runs each max pool and its ReLU
     */
    public record Options(int batch, int maxRequest, PoolReluChoice poolRelu) {
        public Options {
            if (batch < 1 || maxRequest < 1) {
                throw new IllegalArgumentException("the batch and the largest request must be positive, got " + batch
                        + " and " + maxRequest);
            }
            java.util.Objects.requireNonNull(poolRelu, "poolRelu");
        }

        /** Batches chosen as {@link PoolReluChoice#AUTO} says. */
        public Options(int batch, int maxRequest) {
            this(batch, maxRequest, PoolReluChoice.AUTO);
        }
    }

    /**
     * What a session did.
     *
     * @param served   each served client and its number of inputs, in service order
     * @param leftOut  each client left out and why
     * @param batches  batches computed
     * @param seconds  wall time of the batches (the forward passes and argmaxes)
     * @param poolRelu how the batches ran each max pool and its ReLU (where they were small enough)
     * @param oneWayMs half the servers' measured round trip, which {@link PoolReluChoice#AUTO} looks at
     */
    public record Session(Map<Role, Integer> served, Map<Role, String> leftOut, int batches, double seconds,
                          SecureClassifier.PoolRelu poolRelu, double oneWayMs) {
        /** Inputs answered in this session. */
        public int inputs() {
            return served.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    /**
     * P0's or P1's part of one session with {@code clients} (those connected; the transport links
     * this server to each). {@code log} hears who is left out and why.
     */
    public static Session serve(Transport t, SharedModel mine, Collection<Role> clients, Options o, byte[] inputSeed,
                                java.util.function.Consumer<String> log) {
        Role me = t.self();
        if (!me.equals(mine.party())) {
            throw new IllegalArgumentException("this is " + me + "'s transport but " + mine.party() + "'s share of the model");
        }
        ComputeParty party = new ComputeParty(me, t, mine.fixedPoint());
        CompletableFuture<Duration> firstPing = t.roundTrip(me.peer()); // answered meanwhile
        Map<String, String> facts = new LinkedHashMap<>();
        facts.put("model (the shares' header)", mine.header());
        facts.put("batch and largest request (--batch, --max-request)", o.batch() + " " + o.maxRequest());
        facts.put("max pools and their ReLUs in small batches (--pool-relu)", o.poolRelu().toString());
        TreeSet<Role> connected = new TreeSet<>(clients);
        Map<Role, String> leftOut = new LinkedHashMap<>();
        // the cards travel while the servers agree; where they then disagree the session fails and the clients' links
        // close, as before (a client of two different models refuses their cards itself)
        sendCards(t, connected, ModelCard.of(mine, o.batch(), o.maxRequest()).encode(), leftOut);
        party.agree(facts, () -> sendClients(t, connected)); // one round: the client lists ride with the facts
        TreeSet<Role> both = clientsOfBoth(t, connected);
        leftOut.keySet().retainAll(both); // one that reached this server alone dials again for the next session
        CompletableFuture<Duration> secondPing = t.roundTrip(me.peer()); // meets a peer that has just sent its facts
        Network network = mine.network();
        Map<Role, Request> taken = takeRequests(party, both, network, o, leftOut);
        long myMicros = micros(firstPing, secondPing, me.peer());
        long[] theirMicros = new long[1];
        Map<Role, Request> served = agreeOnRequests(t, taken, leftOut, myMicros, theirMicros);
        double oneWayMs = (myMicros + theirMicros[0]) / 4000.0; // half the mean of both: the same number at both servers
        SecureClassifier.PoolRelu poolRelu = o.poolRelu().forLink(oneWayMs, o.batch());
        for (Map.Entry<Role, String> e : leftOut.entrySet()) {
            log.accept(me + ": left out " + e.getKey() + ": " + e.getValue());
            tell(t, e.getKey(), "refused: " + e.getValue());
        }
        int total = served.values().stream().mapToInt(Request::count).sum();
        int batches = (total + o.batch() - 1) / o.batch();
        boolean probabilities = served.values().stream().anyMatch(Request::probabilities);
        for (Role c : served.keySet()) {
            tell(t, c, ACCEPTED + " " + batches);
        }
        SecureClassifier classifier = SecureClassifier.create(network, network.batchShape(o.batch()), me, probabilities,
                poolRelu);
        classifier.load(mine.shares());
        if (me.equals(Role.P0)) {
            t.sendBytes(Role.DEALER, SESSION, (o.batch() + "\n" + batches + "\n" + probabilities + "\n" + poolRelu + "\n"
                    + network.describe()).getBytes(StandardCharsets.UTF_8));
        }
        PartyRandomness randomness = Handshake.join(party, classifier.plan(), 0, batches, inputSeed,
                Map.of("requests served", served.values().toString()));
        Ring128Tensor all = batchedInputs(served, network, o.batch(), batches);
        int example = network.input().size();
        List<Ring128Tensor> classes = new ArrayList<>();
        List<Ring128Tensor> softmax = new ArrayList<>();
        long start = System.nanoTime();
        for (int b = 0; b < batches; b++) {
            party.beginStep(b, randomness.forStep(b));
            SecureClassifier.Answers a = classifier.answer(party, all.slice(b * o.batch() * example, network.batchShape(o.batch())));
            classes.add(a.classes());
            if (probabilities) {
                softmax.add(a.probabilities());
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        answer(t, served, classes, softmax, network.outputs(), log);
        for (Role c : served.keySet()) {
            try {
                t.receiveBytes(c, CLIENT_DONE);
            } catch (RuntimeException gone) {
                log.accept(me + ": " + c + " did not confirm its answers: " + gone.getMessage());
            }
        }
        Handshake.done(t);
        Map<Role, Integer> counts = new LinkedHashMap<>();
        served.forEach((c, r) -> counts.put(c, r.count()));
        return new Session(counts, leftOut, batches, seconds, poolRelu, oneWayMs);
    }

    /**
     * The least round trip to {@code peer} in microseconds among the pings answered by now (they
     * were sent before the clients' requests came, so one normally is), waiting for the first
     * answer where none is; 0 where the transport cannot ping (then {@link PoolReluChoice#AUTO}
     * takes the tournament). Each server sends the other its figure, so both take the same mean.
     */
    private static long micros(CompletableFuture<Duration> first, CompletableFuture<Duration> second, Role peer) {
        try {
            CompletableFuture.anyOf(first, second).get(PING_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            return 0;
        } catch (TimeoutException e) {
            throw new ProtocolException(peer + "'s transport did not answer a ping within " + PING_WAIT.toSeconds() + " s");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ProtocolException("interrupted waiting for " + peer + "'s answer to a ping", e);
        }
        return java.util.stream.Stream.of(first, second)
                .filter(f -> f.isDone() && !f.isCompletedExceptionally())
                .mapToLong(f -> f.join().toNanos() / 1000).min().orElse(0);
    }

    /** The model card to each connected client; one that is gone is left out, the reason in {@code leftOut}. */
    private static void sendCards(Transport t, TreeSet<Role> clients, byte[] card, Map<Role, String> leftOut) {
        for (Role c : clients) {
            try {
                t.sendBytes(c, CARD, card);
            } catch (RuntimeException gone) {
                leftOut.put(c, "gone before its model card: " + gone.getMessage());
            }
        }
    }

    /**
     * Each client's request taken whole, in client order: P0 takes the client's seed, both the
     * count, P1 the inputs' shares. A client that fails any of it, or was left out already, is
     * not taken (the reason in {@code leftOut}).
     */
    private static Map<Role, Request> takeRequests(ComputeParty party, TreeSet<Role> clients, Network network, Options o,
                                                   Map<Role, String> leftOut) {
        Transport t = party.transport();
        Map<Role, Request> taken = new LinkedHashMap<>();
        for (Role c : clients) {
            if (leftOut.containsKey(c)) {
                continue;
            }
            try {
                party.acceptContributor(c); // P0: the client's seed
                Request r = Request.decode(t.receiveBytes(c, REQUEST), c, o);
                // P1: the client's shares, P0: its PRG's
                taken.put(c, r.withInputs(party.contributedInput(c, network.batchShape(r.count()), 0, 0)));
            } catch (RuntimeException e) {
                leftOut.put(c, e.getMessage());
            }
        }
        return taken;
    }

    /** The served clients' inputs, one after another, padded with shares of zeros to {@code batches} whole batches. */
    private static Ring128Tensor batchedInputs(Map<Role, Request> served, Network network, int batch, int batches) {
        List<Ring128Tensor> inputs = new ArrayList<>();
        int total = 0;
        for (Request r : served.values()) {
            inputs.add(r.inputs());
            total += r.count();
        }
        inputs.add(Ring128Tensor.zeros(Shape.of((batches * batch - total) * network.input().size())));
        return Ring128Tensor.concat(inputs);
    }

    /** Sends each served client this server's share of its answers, and of its probabilities if it asked. */
    private static void answer(Transport t, Map<Role, Request> served, List<Ring128Tensor> classes,
                               List<Ring128Tensor> softmax, int outputs, java.util.function.Consumer<String> log) {
        Ring128Tensor all = classes.isEmpty() ? Ring128Tensor.zeros(Shape.of(0)) : Ring128Tensor.concat(classes);
        Ring128Tensor probabilities = softmax.isEmpty() ? null : Ring128Tensor.concat(softmax);
        int offset = 0;
        for (Map.Entry<Role, Request> e : served.entrySet()) {
            int n = e.getValue().count();
            try {
                t.send(e.getKey(), ANSWER, all.slice(offset, Shape.of(n)));
                if (e.getValue().probabilities()) {
                    t.send(e.getKey(), PROBABILITIES, probabilities.slice(offset * outputs, Shape.of(n, outputs)));
                }
            } catch (RuntimeException gone) {
                log.accept(t.self() + ": " + e.getKey() + " left before its answers: " + gone.getMessage());
            }
            offset += n;
        }
    }

    /**
     * A client's request: how many inputs, whether it wants their class probabilities too, and
     * (once taken) this server's share of the inputs. On the wire 5 bytes: the count, then 1 for
     * probabilities or 0.
     */
    record Request(int count, boolean probabilities, Ring128Tensor inputs) {
        static byte[] encode(int count, boolean probabilities) {
            return ByteBuffer.allocate(5).putInt(count).put((byte) (probabilities ? 1 : 0)).array();
        }

        /** The request {@code client} sent, refused unless its count is 1 .. maxRequest. */
        static Request decode(byte[] bytes, Role client, Options o) {
            if (bytes.length != 5 || (bytes[4] & 0xfe) != 0) {
                throw new ProtocolException(client + " sent a malformed request (" + bytes.length + " bytes)");
            }
            int n = ByteBuffer.wrap(bytes).getInt();
            if (n < 1 || n > o.maxRequest()) {
                throw new ProtocolException(client + " asked for " + n + " inputs; a request holds 1 to " + o.maxRequest()
                        + " (--max-request)");
            }
            return new Request(n, bytes[4] == 1, null);
        }

        Request withInputs(Ring128Tensor shares) {
            return new Request(count, probabilities, shares);
        }

        /** As the servers compare requests: the count, and "p" for probabilities. */
        @Override
        public String toString() {
            return count + (probabilities ? " p" : "");
        }
    }

    /**
     * The requests both servers took, in client order: each tells the other its clients and their
     * requests; a client only one of them took (it left between the two), or took otherwise, is
     * left out by both. The same message carries {@code myMicros}, this server's round trip to
     * the other, which {@link PoolReluChoice#AUTO} looks at; the other's lands in {@code theirMicros[0]}.
     */
    private static Map<Role, Request> agreeOnRequests(Transport t, Map<Role, Request> taken, Map<Role, String> leftOut,
                                                      long myMicros, long[] theirMicros) {
        StringBuilder mine = new StringBuilder(ROUND_TRIP + myMicros + "\n");
        taken.forEach((c, r) -> mine.append(c).append(' ').append(r).append('\n'));
        Role peer = t.self().peer();
        Map<Role, String> theirs = new LinkedHashMap<>();
        String[] lines = exchange(t, TAKEN, mine.toString()).split("\n");
        try {
            if (!lines[0].startsWith(ROUND_TRIP)) {
                throw new NumberFormatException(lines[0]);
            }
            theirMicros[0] = Long.parseUnsignedLong(lines[0].substring(ROUND_TRIP.length()));
        } catch (RuntimeException e) {
            throw new ProtocolException(peer + " sent a malformed list of requests: its first line is '" + lines[0]
                    + "', not its round trip", e);
        }
        for (int i = 1; i < lines.length; i++) {
            String line = lines[i];
            if (!line.isEmpty()) {
                int space = line.indexOf(' ');
                try {
                    theirs.put(Role.parse(line.substring(0, Math.max(0, space))), line.substring(space + 1));
                } catch (RuntimeException e) {
                    throw new ProtocolException(peer + " sent a malformed list of requests: '" + line + "'", e);
                }
            }
        }
        Map<Role, Request> served = new LinkedHashMap<>();
        for (Map.Entry<Role, Request> e : taken.entrySet()) {
            String other = theirs.get(e.getKey());
            if (e.getValue().toString().equals(other)) {
                served.put(e.getKey(), e.getValue());
            } else {
                leftOut.put(e.getKey(), peer + (other == null ? " did not get its request"
                        : " got the request '" + other + "', not '" + e.getValue() + "'"));
            }
        }
        return served;
    }

    /** Sends the other server the clients connected to this one this session, in role order. */
    private static void sendClients(Transport t, TreeSet<Role> connected) {
        StringBuilder list = new StringBuilder();
        connected.forEach(c -> list.append(c).append('\n'));
        t.sendBytes(t.self().peer(), CONNECTED, list.toString().getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The clients connected to both servers this session, in role order, once the other server's
     * list ({@link #sendClients}) arrives: one that reached only one server (it came as the
     * session's window closed) is not served, and its link closes with the session, so it can
     * dial again for the next.
     */
    private static TreeSet<Role> clientsOfBoth(Transport t, TreeSet<Role> connected) {
        TreeSet<Role> both = new TreeSet<>();
        for (String name : new String(t.receiveBytes(t.self().peer(), CONNECTED), StandardCharsets.UTF_8).split("\n")) {
            if (!name.isEmpty()) {
                try {
                    Role c = Role.parse(name);
                    if (connected.contains(c)) {
                        both.add(c);
                    }
                } catch (IllegalArgumentException e) {
                    throw new ProtocolException(t.self().peer() + " sent a malformed list of clients: '" + name + "'", e);
                }
            }
        }
        return both;
    }

    /** Sends the other server {@code mine} under {@code tag} and returns what it sent under the same tag. */
    private static String exchange(Transport t, Tag tag, String mine) {
        Role peer = t.self().peer();
        t.sendBytes(peer, tag, mine.getBytes(StandardCharsets.UTF_8));
        return new String(t.receiveBytes(peer, tag), StandardCharsets.UTF_8);
    }

    private static void tell(Transport t, Role client, String verdict) {
        try {
            t.sendBytes(client, VERDICT, verdict.getBytes(StandardCharsets.UTF_8));
        } catch (RuntimeException gone) {
            // the client is gone; nothing to tell
        }
    }

    /**
     * The dealer's part of one session: the network, batch, number of batches and how small
     * batches run their max pools from P0 (public facts; P1 checks the plan's hash with the
     * dealer), every batch's material, then a wait of up to {@code finish} for both servers' word
     * that they finished. Returns the number of batches.
     */
    public static int dealer(Transport t, byte[] seed, Duration finish) {
        String[] facts = new String(t.receiveBytes(Role.P0, SESSION), StandardCharsets.UTF_8).split("\n", 5);
        int batch;
        int batches;
        boolean probabilities;
        SecureClassifier.PoolRelu poolRelu;
        Network network;
        try {
            batch = Integer.parseInt(facts[0]);
            batches = Integer.parseInt(facts[1]);
            probabilities = Boolean.parseBoolean(facts[2]);
            poolRelu = SecureClassifier.PoolRelu.valueOf(facts[3]);
            network = Network.parseDescription(facts[4]);
        } catch (RuntimeException e) {
            throw new ProtocolException("P0 sent malformed session facts: " + e.getMessage(), e);
        }
        if (batch < 1 || batches < 0) {
            throw new ProtocolException("P0 asked for " + batches + " batches of " + batch);
        }
        Dealer dealer = new Dealer(SecureClassifier.create(network, network.batchShape(batch), Role.P0, probabilities,
                poolRelu).plan(), t, seed);
        dealer.setup(0, batches);
        for (int b = 0; b < batches; b++) {
            dealer.produce(b);
        }
        Handshake.awaitParties(t, finish);
        return batches;
    }
}
