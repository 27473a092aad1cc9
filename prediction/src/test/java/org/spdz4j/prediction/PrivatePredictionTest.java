package org.spdz4j.prediction;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.Contributor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter.Direction;
import org.spdz4j.data.Dataset;
import org.spdz4j.data.Evaluation;
import org.spdz4j.data.TestData;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.FloatTensor;
import org.spdz4j.layers.Initializer;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.ModelFile;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Networks;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.SecureClassifier;
import org.spdz4j.layers.SharedModel;
import org.spdz4j.training.LocalTraining;
import org.spdz4j.training.TrainingConfig;

/** Private prediction in one JVM: answers against the float model, who sees what, and every bad input. */
class PrivatePredictionTest {
    private static final Shape DIGIT = Shape.of(1, 28, 28);
    private static final Role CLIENT0 = Role.parse("CLIENT0");
    private static final Role CLIENT1 = Role.parse("CLIENT1");
    private static ModelFile narrow;
    private static SharedModel[] halves;

    /** The narrow network (exact ReLU, max pooling) trained 100 steps in the clear, then split into shares. */
    @BeforeAll
    static void trainAndShare() {
        Network net = Networks.build("narrow", Networks.maxPool(), Networks.relu(), false);
        FloatModel m = FloatModel.create(net, net.batchShape(32), new Initializer(5, 0.05), new Sgd(0.02, 0.9, 0));
        Dataset train = TestData.train();
        for (int s = 0; s < 100; s++) {
            int[] batch = new int[32];
            for (int i = 0; i < 32; i++) {
                batch[i] = s * 32 + i;
            }
            m.trainStep(train.images(batch), train.oneHot(batch));
        }
        narrow = new ModelFile(net, TestData.scaling(), m.paramValues());
        halves = SharedModel.split(narrow, FixedPoint.DEFAULT);
    }

    /** Raw test inputs {@code from .. from + n - 1} (pixels / 255). */
    private static double[] raw(int from, int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = from + i;
        }
        return TestData.rawTest().scaled(InputScaling.UNIT).images(idx).values();
    }

    /** The float model's logits of those inputs, scaled as in training. */
    private static double[] floatLogits(ModelFile model, int from, int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = from + i;
        }
        FloatModel f = model.floatModel(Shape.of(n, 1, 28, 28));
        return f.forward(TestData.rawTest().scaled(model.scaling()).images(idx)).values();
    }

    /**
     * Secure answers against the float model's argmax: equal, or a difference explained by fixed
     * point (the float model's two best logits within 0.01 of each other); returns the differences.
     */
    private static int compare(int[] secure, double[] logits, int classes) {
        int differ = 0;
        for (int i = 0; i < secure.length; i++) {
            int expected = Evaluation.argmax(logits, i * classes, classes);
            if (secure[i] != expected) {
                differ++;
                double gap = logits[i * classes + expected] - logits[i * classes + secure[i]];
                assertTrue(gap < 0.01, "image " + i + ": secure class " + secure[i] + ", float " + expected
                        + ", the float logits differ by " + gap + " (more than fixed point explains)");
            }
        }
        return differ;
    }

    @Test
    void aThousandTestImagesGetTheFloatModelsAnswersAndNobodyButTheClientSeesThem() {
        int n = 1000;
        LocalPrediction.Result r = LocalPrediction.run(halves[0], halves[1], new PredictionServer.Options(100, n),
                Map.of(CLIENT0, raw(0, n)), DIGIT);
        int[] secure = r.classes().get(CLIENT0);
        int differ = compare(secure, floatLogits(narrow, 0, n), 10);
        assertTrue(differ <= 2, differ + " of " + n + " answers differ from the float model's");
        int correct = 0;
        for (int i = 0; i < n; i++) {
            correct += secure[i] == TestData.rawTest().label(i) ? 1 : 0;
        }
        assertTrue(correct > 850, "a trained model answers most right: " + correct + " of " + n);
        assertEquals(10, r.session().batches());
        // who sees what, on the per-peer counters
        long example = DIGIT.size();
        assertEquals(0, r.traffic().get(Role.P0).total(CLIENT0, Direction.RECEIVED).values(),
                "P0 receives no tensor from the client: a seed and a count only");
        assertEquals(n * example, r.traffic().get(Role.P1).total(CLIENT0, Direction.RECEIVED).values(),
                "P1 receives the inputs minus P0's PRG output, nothing more");
        for (Role server : new Role[]{Role.P0, Role.P1}) {
            assertEquals(n, r.traffic().get(CLIENT0).total(server, Direction.RECEIVED).values(),
                    "the client receives one share per answer from " + server + " and no other value");
            assertEquals(0, r.traffic().get(Role.DEALER).total(server, Direction.RECEIVED).values(),
                    "the dealer receives no value from " + server);
        }
        assertEquals(0, r.traffic().get(CLIENT0).total(Role.DEALER, Direction.RECEIVED).values()
                + r.traffic().get(CLIENT0).total(Role.DEALER, Direction.SENT).values(), "the client and the dealer never talk");
    }

    @Test
    void twoClientsInOneSessionShareBatchesAndEachGetsOnlyItsOwnAnswers() {
        Map<Role, double[]> inputs = new LinkedHashMap<>();
        inputs.put(CLIENT0, raw(0, 7));
        inputs.put(CLIENT1, raw(7, 5));
        LocalPrediction.Result r = LocalPrediction.run(halves[0], halves[1],
                new PredictionServer.Options(8, 100, PredictionServer.PoolReluChoice.TOURNAMENT), inputs, DIGIT);
        assertEquals(2, r.session().batches(), "12 inputs in batches of 8");
        double[] logits = floatLogits(narrow, 0, 12);
        int[] all = new int[12];
        System.arraycopy(r.classes().get(CLIENT0), 0, all, 0, 7);
        System.arraycopy(r.classes().get(CLIENT1), 0, all, 7, 5);
        assertEquals(0, compare(all, logits, 10));
        assertEquals(5, r.traffic().get(CLIENT1).total(Role.P0, Direction.RECEIVED).values());
        // batches of 8 run each max pool and its ReLU as one tournament: 25 rounds a batch, not 31
        assertEquals(2 * 25, r.traffic().get(Role.P0).rounds());
        assertEquals(java.util.Set.of(CLIENT0, CLIENT1), r.answeredIn().keySet(), "each client's time to its answers");
    }

    @Test
    void allPairsAnswerAsTheTournamentInFewerRounds() {
        Map<Role, double[]> inputs = Map.of(CLIENT0, raw(20, 8));
        LocalPrediction.Result r = LocalPrediction.run(halves[0], halves[1],
                new PredictionServer.Options(8, 8, PredictionServer.PoolReluChoice.ALL_PAIRS), inputs, DIGIT);
        assertEquals(SecureClassifier.PoolRelu.ALL_PAIRS, r.session().poolRelu());
        assertEquals(0, compare(r.classes().get(CLIENT0), floatLogits(narrow, 20, 8), 10));
        // each max pool and its ReLU in one comparison of all pairs and a product: 17 rounds a batch, not 25
        assertEquals(17, r.traffic().get(Role.P0).rounds());
    }

    @Test
    void autoTakesAllPairsWhereARoundCostsMoreThanTheBytes() {
        PredictionServer.PoolReluChoice auto = PredictionServer.PoolReluChoice.AUTO;
        assertEquals(SecureClassifier.PoolRelu.TOURNAMENT, auto.forLink(0.2, 1), "a LAN");
        assertEquals(SecureClassifier.PoolRelu.ALL_PAIRS, auto.forLink(5, 1), "a lone input at 10 ms a round trip");
        assertEquals(SecureClassifier.PoolRelu.TOURNAMENT, auto.forLink(25, 8), "8 inputs at 50 ms");
        assertEquals(SecureClassifier.PoolRelu.ALL_PAIRS, auto.forLink(50, 8), "8 inputs at 100 ms");
        assertEquals(SecureClassifier.PoolRelu.TOURNAMENT, PredictionServer.PoolReluChoice.TOURNAMENT.forLink(25, 1));
        // the ways a server must be ready for (its largest message, predict-bench's warm-up)
        PredictionServer.PoolReluChoice pairs = PredictionServer.PoolReluChoice.ALL_PAIRS;
        PredictionServer.PoolReluChoice tournament = PredictionServer.PoolReluChoice.TOURNAMENT;
        assertEquals(List.of(pairs, tournament), auto.candidates(SecureClassifier.FUSED_UP_TO));
        assertEquals(List.of(tournament), auto.candidates(SecureClassifier.FUSED_UP_TO + 1), "larger batches run apart");
        assertEquals(List.of(pairs), pairs.candidates(1));
        assertEquals(List.of(tournament), pairs.candidates(100));
        // a session across 40 ms round trips: both servers and the dealer take all pairs from the servers' own timing
        LocalPrediction.Result r = LocalPrediction.run(halves[0], halves[1], new PredictionServer.Options(2, 2),
                Map.of(CLIENT0, raw(30, 2)), DIGIT, false, java.time.Duration.ofMillis(20), 0);
        assertTrue(r.session().oneWayMs() >= 20, r.session().oneWayMs() + " ms");
        assertEquals(SecureClassifier.PoolRelu.ALL_PAIRS, r.session().poolRelu());
        assertEquals(0, compare(r.classes().get(CLIENT0), floatLogits(narrow, 30, 2), 10));
        assertEquals(17, r.traffic().get(Role.P0).rounds());
    }

    @Test
    void serversGivenDifferentPoolReluChoicesRefuseTheSessionNamingIt() throws Exception {
        var net = new org.spdz4j.core.transport.InMemoryNetwork(List.of(Role.P0, Role.P1),
                java.time.Duration.ofSeconds(30), 1L << 20);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            var s0 = pool.submit(() -> PredictionServer.serve(net.transport(Role.P0), halves[0], List.of(),
                    new PredictionServer.Options(8, 8, PredictionServer.PoolReluChoice.ALL_PAIRS),
                    org.spdz4j.core.prg.AesCtrPrg.freshSeed(), line -> { }));
            var s1 = pool.submit(() -> PredictionServer.serve(net.transport(Role.P1), halves[1], List.of(),
                    new PredictionServer.Options(8, 8, PredictionServer.PoolReluChoice.AUTO),
                    org.spdz4j.core.prg.AesCtrPrg.freshSeed(), line -> { }));
            for (var s : List.of(s0, s1)) {
                java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> s.get(30, java.util.concurrent.TimeUnit.SECONDS));
                assertTrue(e.getCause().getMessage().contains("--pool-relu") && e.getCause().getMessage().contains("ALL_PAIRS")
                        && e.getCause().getMessage().contains("AUTO"), e.getCause().getMessage());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClientHasItsCardWhileTheServersStillAgree() throws Exception {
        var net = new org.spdz4j.core.transport.InMemoryNetwork(List.of(Role.P0, Role.P1, Role.DEALER, CLIENT0),
                java.time.Duration.ofSeconds(3), 1L << 20);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(1);
        try { // P1 never comes: P0 waits for its facts, and its client list that rides with them
            PredictionServer.Options o = new PredictionServer.Options(8, 8, PredictionServer.PoolReluChoice.TOURNAMENT);
            var s0 = pool.submit(() -> PredictionServer.serve(net.transport(Role.P0), halves[0], List.of(CLIENT0), o,
                    org.spdz4j.core.prg.AesCtrPrg.freshSeed(), line -> { }));
            byte[] card = net.transport(CLIENT0).receiveBytes(Role.P0, PredictionServer.CARD);
            assertFalse(s0.isDone(), "the card came before the servers agreed");
            assertEquals(new String(ModelCard.of(halves[0], 8, 8).encode()), new String(card));
            java.util.concurrent.ExecutionException e = assertThrows(java.util.concurrent.ExecutionException.class,
                    () -> s0.get(30, java.util.concurrent.TimeUnit.SECONDS));
            assertTrue(e.getCause().getMessage().contains("P1"), e.getCause().getMessage());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void withProbabilitiesTheClientAlsoLearnsEachInputsSoftmax() {
        int n = 20;
        LocalPrediction.Result r = LocalPrediction.run(halves[0], halves[1], new PredictionServer.Options(n, n),
                Map.of(CLIENT0, raw(100, n)), DIGIT, true);
        PredictionClient.Answers a = r.answers().get(CLIENT0);
        double[] logits = floatLogits(narrow, 100, n);
        assertEquals(0, compare(a.classes(), logits, 10));
        double worst = 0;
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int k = 0; k < 10; k++) {
                max = Math.max(max, logits[i * 10 + k]);
            }
            double sum = 0;
            for (int k = 0; k < 10; k++) {
                sum += Math.exp(logits[i * 10 + k] - max);
            }
            double total = 0;
            for (int k = 0; k < 10; k++) {
                double exact = Math.exp(logits[i * 10 + k] - max) / sum;
                worst = Math.max(worst, Math.abs(a.probabilities()[i * 10 + k] - exact));
                total += a.probabilities()[i * 10 + k];
            }
            assertEquals(1, total, 0.01, "input " + i + "'s probabilities sum to 1");
        }
        assertTrue(worst < 0.03, "the approximate softmax on shares is within 0.03 of the exact one: " + worst);
        assertEquals(n + n * 10, r.traffic().get(CLIENT0).total(Role.P1, Direction.RECEIVED).values(),
                "the client receives a class and ten probabilities per input");
        // the argmax runs as a second lane beside the softmax: its rounds ride with the softmax's 20
        assertEquals(20, r.traffic().get(Role.P0).rounds(SecureClassifier.PROBABILITIES_SCOPE));
        assertEquals(0, r.traffic().get(Role.P0).rounds(SecureClassifier.ARGMAX_SCOPE));
        LocalPrediction.Result alone = LocalPrediction.run(halves[0], halves[1], new PredictionServer.Options(n, n),
                Map.of(CLIENT0, raw(100, n)), DIGIT);
        assertEquals(4, alone.traffic().get(Role.P0).rounds(SecureClassifier.ARGMAX_SCOPE), "the argmax alone");
        assertEquals(alone.traffic().get(Role.P0).rounds() + 20 - 4, r.traffic().get(Role.P0).rounds());
        assertEquals(0, compare(alone.classes().get(CLIENT0), logits, 10));
    }

    @Test
    void sharesOfDifferentModelsAreRefusedBeforeAnyInputIsTaken() {
        SharedModel[] other = SharedModel.split(narrow, FixedPoint.DEFAULT);
        ProtocolException e = assertThrows(ProtocolException.class, () -> LocalPrediction.run(halves[0], other[1],
                new PredictionServer.Options(10, 10), Map.of(CLIENT0, raw(0, 1)), DIGIT));
        assertTrue(e.getMessage().contains("model (the shares' header) mismatch"), e.getMessage());
    }

    /**
     * A model's classes' names ride with its shares (both halves, written and read back) and the
     * card the client is given, which answers by name; a share of the format before them (SPDZ4JS1)
     * reads as unnamed, and halves naming other classes are of different models.
     */
    @Test
    void theClassesNamesRideWithTheSharesAndTheCard(@TempDir Path dir) throws Exception {
        List<String> names = List.of("zero", "one", "two", "three", "four", "five", "six", "seven, or 7", "eight", "ni ne");
        ModelFile named = new ModelFile(narrow.network(), narrow.scaling(), narrow.params(), names);
        SharedModel[] pair = SharedModel.split(named, FixedPoint.DEFAULT);
        pair[0].write(dir.resolve("P0.share"));
        SharedModel back = SharedModel.read(dir.resolve("P0.share"), Role.P0);
        assertEquals(names, back.classes());
        assertEquals(names, SharedModel.combine(back, pair[1]).classes());
        ModelCard card = ModelCard.decode(ModelCard.of(back, 8, 8).encode(), "P0");
        assertEquals(names, card.names());
        assertEquals("seven, or 7", card.className(7));
        assertEquals("3", ModelCard.decode(ModelCard.of(halves[0], 8, 8).encode(), "P0").className(3)); // unnamed
        IllegalArgumentException other = assertThrows(IllegalArgumentException.class,
                () -> SharedModel.combine(pair[0], pair[1].withClasses(List.of())));
        assertTrue(other.getMessage().contains("the shares are of different models"), other.getMessage());

        halves[1].write(dir.resolve("P1.share"));   // unnamed, then rewritten as SPDZ4JS1 wrote it
        byte[] s2 = java.nio.file.Files.readAllBytes(dir.resolve("P1.share"));
        byte[] s1 = java.util.Arrays.copyOf(s2, s2.length - 4);
        s1[7] = '1';
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(s1, 0, s1.length - 4);
        java.nio.ByteBuffer.wrap(s1, s1.length - 4, 4).putInt((int) crc.getValue());
        java.nio.file.Files.write(dir.resolve("P1.share"), s1);
        SharedModel old = SharedModel.read(dir.resolve("P1.share"), Role.P1);
        assertEquals(List.of(), old.classes());
        assertEquals(halves[1].header(), old.header());
    }

    @Test
    void anInputOfAnotherShapeOrTooManyInputsAreRefusedAtTheClientBeforeAnyShareIsSent() {
        ModelCard card = ModelCard.of(halves[0], 10, 5);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> PredictionClient.classify(null, card, Shape.of(1, 28, 27), new double[28 * 27]));
        assertTrue(shape.getMessage().contains("has shape [1, 28, 27] but the model takes [1, 28, 28]")
                || shape.getMessage().contains("but the model takes"), shape.getMessage());
        IllegalArgumentException many = assertThrows(IllegalArgumentException.class,
                () -> PredictionClient.classify(null, card, DIGIT, new double[6 * 784]));
        assertTrue(many.getMessage().contains("at most 5 a request"), many.getMessage());
        IllegalArgumentException part = assertThrows(IllegalArgumentException.class,
                () -> PredictionClient.classify(null, card, DIGIT, new double[]{0.5}));
        assertTrue(part.getMessage().contains("not a whole number"), part.getMessage());
        double[] nanPixel = new double[2 * 784];
        nanPixel[900] = Double.NaN;
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> PredictionClient.classify(null, card, DIGIT, nanPixel));
        assertTrue(nan.getMessage().contains("input 1 holds NaN"), nan.getMessage());
    }

    @Test
    void aClientThatLeavesMidRequestOrAsksForTooMuchCostsOnlyItsRequest() throws Exception {
        Role quitter = Role.parse("CLIENT2");
        Role greedy = Role.parse("CLIENT3");
        List<Role> roles = new ArrayList<>(List.of(Role.P0, Role.P1, Role.DEALER, CLIENT0, quitter, greedy));
        var net = new org.spdz4j.core.transport.InMemoryNetwork(roles, java.time.Duration.ofSeconds(60), 1L << 28);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(roles.size());
        try {
            List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
            var servers = startServersAndDealer(net, pool, log);
            var honest = pool.submit(() -> {
                try (var t = net.transport(CLIENT0)) {
                    return PredictionClient.classify(t, PredictionClient.card(t), DIGIT, raw(0, 3));
                }
            });
            pool.submit(() -> { // a seed and a count, then gone before its inputs
                try (var t = net.transport(quitter)) {
                    PredictionClient.card(t);
                    Contributor.connect(t);
                    t.sendBytes(Role.P0, PredictionServer.REQUEST, PredictionServer.Request.encode(2, false));
                    t.sendBytes(Role.P1, PredictionServer.REQUEST, PredictionServer.Request.encode(2, false));
                }
                return null;
            });
            var refused = pool.submit(() -> { // more than --max-request, past the client library's own check
                try (var t = net.transport(greedy)) {
                    PredictionClient.card(t);
                    Contributor c = Contributor.connect(t);
                    t.sendBytes(Role.P0, PredictionServer.REQUEST, PredictionServer.Request.encode(11, false));
                    t.sendBytes(Role.P1, PredictionServer.REQUEST, PredictionServer.Request.encode(11, false));
                    c.input(0, 0, FixedPoint.DEFAULT.encode(Shape.of(11, 1, 28, 28), new double[11 * 784]));
                    return new String(t.receiveBytes(Role.P0, PredictionServer.VERDICT));
                }
            });
            int[] classes = honest.get();
            assertEquals(0, compare(classes, floatLogits(narrow, 0, 3), 10));
            PredictionServer.Session s = servers.get(0).get();
            servers.get(1).get();
            assertEquals(Map.of(CLIENT0, 3), s.served());
            assertTrue(s.leftOut().containsKey(quitter), s.leftOut().toString());
            assertTrue(refused.get().contains("asked for 11 inputs; a request holds 1 to 10"), refused.get());
            assertTrue(log.stream().anyMatch(l -> l.contains("left out CLIENT3")), log.toString());
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aClientKeepsItsAnswersWhenAServerIsGoneBeforeItConfirmsThem() throws Exception {
        List<Role> roles = List.of(Role.P0, Role.P1, Role.DEALER, CLIENT0); // the servers leave out CLIENT2 and 3 at once
        var net = new org.spdz4j.core.transport.InMemoryNetwork(roles, java.time.Duration.ofSeconds(60), 1L << 28);
        var pool = java.util.concurrent.Executors.newFixedThreadPool(roles.size());
        try {
            List<String> log = java.util.Collections.synchronizedList(new ArrayList<>());
            var servers = startServersAndDealer(net, pool, log);
            var client = pool.submit(() -> {
                try (var t = new GoneBeforeConfirm(net.transport(CLIENT0), Role.P1)) {
                    return PredictionClient.classify(t, PredictionClient.card(t), DIGIT, raw(0, 3));
                }
            });
            assertEquals(0, compare(client.get(), floatLogits(narrow, 0, 3), 10), "the answers in hand are kept");
            assertEquals(Map.of(CLIENT0, 3), servers.get(0).get().served());
            assertEquals(Map.of(CLIENT0, 3), servers.get(1).get().served(), "P1 answered; it only was not told the answers arrived");
            assertTrue(log.stream().anyMatch(l -> l.startsWith("P1: CLIENT0 did not confirm its answers")), log.toString());
            assertFalse(log.stream().anyMatch(l -> l.startsWith("P0: CLIENT0 did not confirm")), log.toString());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * A client's transport whose link to {@code server} breaks as the client confirms its answers
     * to it: the client's links close (the server sees the connection end) and the send fails,
     * as a Netty send to a server that has gone does.
     */
    private record GoneBeforeConfirm(org.spdz4j.core.transport.Transport inner, Role server)
            implements org.spdz4j.core.transport.Transport {
        @Override
        public void sendBytes(Role to, org.spdz4j.core.transport.Tag tag, byte[] payload) {
            if (to.equals(server) && tag.equals(PredictionServer.CLIENT_DONE)) {
                inner.close();
                throw new ProtocolException(server + " closed the connection");
            }
            inner.sendBytes(to, tag, payload);
        }

        @Override
        public Role self() {
            return inner.self();
        }

        @Override
        public void send(Role to, org.spdz4j.core.transport.Tag tag, org.spdz4j.core.ring.Ring128Tensor tensor) {
            inner.send(to, tag, tensor);
        }

        @Override
        public org.spdz4j.core.ring.Ring128Tensor receive(Role from, org.spdz4j.core.transport.Tag expected) {
            return inner.receive(from, expected);
        }

        @Override
        public org.spdz4j.core.ring.Ring128Tensor receive(Role from, org.spdz4j.core.transport.Tag expected,
                                                         java.time.Duration limit) {
            return inner.receive(from, expected, limit);
        }

        @Override
        public byte[] receiveBytes(Role from, org.spdz4j.core.transport.Tag expected) {
            return inner.receiveBytes(from, expected);
        }

        @Override
        public byte[] receiveBytes(Role from, org.spdz4j.core.transport.Tag expected, java.time.Duration limit) {
            return inner.receiveBytes(from, expected, limit);
        }

        @Override
        public org.spdz4j.core.transport.TrafficCounter traffic() {
            return inner.traffic();
        }

        @Override
        public void close() {
            inner.close();
        }
    }

    /**
     * P0 and P1 serving one session of batches of 4, up to 10 inputs a request, to CLIENT0, CLIENT2
     * and CLIENT3 (those of them that {@code net} has), and the dealer, on {@code pool}; the
     * servers' sessions, P0's first.
     */
    private static List<java.util.concurrent.Future<PredictionServer.Session>> startServersAndDealer(
            org.spdz4j.core.transport.InMemoryNetwork net, java.util.concurrent.ExecutorService pool, List<String> log) {
        PredictionServer.Options o = new PredictionServer.Options(4, 10);
        var s0 = pool.submit(() -> serve(net.transport(Role.P0), halves[0], o, log));
        var s1 = pool.submit(() -> serve(net.transport(Role.P1), halves[1], o, log));
        pool.submit(() -> {
            try (var t = net.transport(Role.DEALER)) {
                return PredictionServer.dealer(t, org.spdz4j.core.prg.AesCtrPrg.freshSeed(), java.time.Duration.ofSeconds(60));
            }
        });
        return List.of(s0, s1);
    }

    private static PredictionServer.Session serve(org.spdz4j.core.transport.Transport t, SharedModel mine,
                                                  PredictionServer.Options o, List<String> log) {
        try (t) {
            return PredictionServer.serve(t, mine, List.of(CLIENT0, Role.parse("CLIENT2"), Role.parse("CLIENT3")), o,
                    org.spdz4j.core.prg.AesCtrPrg.freshSeed(), log::add);
        }
    }

    @Test
    void aModelTrainedOnSharesAndKeptThereAnswersAsItsRevealedSelfWould(@TempDir Path dir) throws Exception {
        TrainingConfig c = TrainingConfig.seedNetwork(1, 32, 480)
                .withNetwork(Networks.build("narrow", Networks.maxPool(), Networks.relu(), false))
                .withSgd(new Sgd(0.02, 0.9, 0)).withKeepShared(true);
        LocalTraining.Result trained = LocalTraining.run(c, TestData.train(), step -> { });
        assertEquals(null, trained.model(), "nothing is revealed");
        SharedModel p0 = trained.shared().get(0);
        SharedModel p1 = trained.shared().get(1);
        assertArrayEquals(p0.id(), p1.id());
        assertNotEquals(p0.shares().get(0).hi(0), p1.shares().get(0).hi(0), "each party's share is its own");
        p0.write(dir.resolve("P0.share"));
        p1.write(dir.resolve("P1.share"));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                java.nio.file.Files.getPosixFilePermissions(dir.resolve("P1.share"))), "owner-only");
        SharedModel back0 = SharedModel.read(dir.resolve("P0.share"), Role.P0);
        SharedModel back1 = SharedModel.read(dir.resolve("P1.share"), Role.P1);
        IllegalArgumentException swapped = assertThrows(IllegalArgumentException.class,
                () -> SharedModel.combine(back0, back0));
        assertTrue(swapped.getMessage().contains("both shares are P0's"), swapped.getMessage());
        java.io.IOException wrongParty = assertThrows(java.io.IOException.class,
                () -> SharedModel.read(dir.resolve("P0.share"), Role.P1));
        assertTrue(wrongParty.getMessage().contains("is P0's share, not P1's"), wrongParty.getMessage());
        ModelFile revealed = SharedModel.combine(back0, back1); // what P0's revealed model would have been
        int n = 300;
        LocalPrediction.Result r = LocalPrediction.run(back0, back1, new PredictionServer.Options(100, n),
                Map.of(CLIENT0, raw(0, n)), DIGIT);
        int[] secure = r.classes().get(CLIENT0);
        double[] logits = floatLogits(revealed, 0, n);
        assertTrue(compare(secure, logits, 10) <= 2);
        double served = 0;
        for (int i = 0; i < n; i++) {
            served += secure[i] == TestData.rawTest().label(i) ? 1 : 0;
        }
        double expected = Evaluation.accuracy(revealed.network(), revealed.params(), TestData.test(), n);
        assertEquals(expected, served / n, 0.005, "the served accuracy is the revealed model's");
        assertTrue(served / n > 0.4, "15 steps already learn: " + served / n);
    }
}
