package org.spdz4j.split;

import org.spdz4j.run.Participants;


import org.spdz4j.data.Evaluation;


import org.spdz4j.data.TestData;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter.Direction;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.LearningRateSchedule;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;

/** Split learning on an MNIST subset: plain against unsplit, secure against plain, who sees what. */
class SplitTrainingTest {
    private static final int IMAGES = 1280;
    /** The catalogue's small network with its split, as split-bench measures it. */
    private static final Network SMALL = org.spdz4j.layers.Networks.build("small", org.spdz4j.layers.Networks.maxPool(),
            org.spdz4j.layers.Networks.relu(), true);
    private static final Network NET = Network.builder().addConv2d(1, 4, 3, 1, 1).addRelu().addMaxPool2d(2).addFlatten()
            .addSplit().addDense(4 * 14 * 14, 10).build();

    private static SplitTraining.Config config(int holders, SplitTraining.Where where) {
        return config(holders, where, false);
    }

    private static SplitTraining.Config config(int holders, SplitTraining.Where where, boolean parallel) {
        return new SplitTraining.Config(NET, holders, where, parallel, 1, 32, new Sgd(0.02, 0.9, 0),
                LearningRateSchedule.CONSTANT, WeightInit.normal(0.05), 3,
                TestData.scaling());
    }

    private static SplitTraining.Result run(SplitTraining.Config c) {
        return SplitTraining.run(c, TestData.train(), IMAGES);
    }

    private static List<SplitTraining.Turn> schedule(SplitTraining.Config c) {
        return SplitTraining.schedule(c, SplitTraining.partSizes(c.holders(), IMAGES));
    }

    /**
     * One holder, and two in round robin (the bottom's weights and momentum handed over), under a
     * cosine learning-rate schedule: the split model equals the unsplit network trained in one
     * place on the same sequence of batches, bit for bit.
     */
    @ParameterizedTest(name = "{0} holder(s)")
    @ValueSource(ints = {1, 2})
    void plainSplitEqualsTheNetworkTrainedInOnePlaceBitForBit(int holders) {
        SplitTraining.Config c = withSchedule(config(holders, SplitTraining.Where.PLAIN), LearningRateSchedule.COSINE);
        List<double[]> split = run(c).model();
        FloatModel whole = FloatModel.create(NET, Shape.of(32, 1, 28, 28), c.init().initializer(c.seed()), c.sgd());
        int[] sizes = SplitTraining.partSizes(holders, IMAGES);
        List<SplitTraining.Turn> turns = schedule(c);
        for (int s = 0; s < turns.size(); s++) {
            SplitTraining.Turn t = turns.get(s);
            int offset = java.util.Arrays.stream(sizes, 0, t.holder()).sum(); // holder h holds the h-th contiguous part
            int[] batch = java.util.Arrays.stream(t.batch()).map(i -> i + offset).toArray();
            whole.learningRateFactor(c.schedule().factor(s, turns.size()));
            whole.trainStep(TestData.train().images(batch), TestData.train().oneHot(batch));
        }
        List<double[]> unsplit = whole.paramValues();
        assertEquals(unsplit.size(), split.size());
        for (int i = 0; i < unsplit.size(); i++) {
            assertArrayEquals(unsplit.get(i), split.get(i), 0.0, "parameter " + i);
        }
    }

    private static SplitTraining.Config withSchedule(SplitTraining.Config c, LearningRateSchedule schedule) {
        return new SplitTraining.Config(c.network(), c.holders(), c.where(), c.parallel(), c.epochs(), c.batchSize(), c.sgd(),
                schedule, c.init(), c.seed(), c.scaling());
    }

    /** Two holders of 640 images each, 20 steps each: at least 65% (measured 68.2%; chance 10%), secure within 1 point of plain (measured: 68.3%). */
    @Test
    void secureSplitWithTwoHoldersLearnsLikePlainAndEachParticipantSeesOnlyItsOwn() {
        SplitTraining.Result plain = run(config(2, SplitTraining.Where.PLAIN));
        SplitTraining.Result secure = run(config(2, SplitTraining.Where.SECURE));
        double plainAccuracy = Evaluation.accuracy(NET, plain.model(), TestData.test(), 1000);
        double secureAccuracy = Evaluation.accuracy(NET, secure.model(), TestData.test(), 1000);
        System.out.printf("split, 2 holders: plain %.4f, secure %.4f%n%s", plainAccuracy, secureAccuracy,
                SplitTraining.trafficTable(secure.traffic()));
        assertTrue(plainAccuracy >= 0.65, "plain " + plainAccuracy);
        assertEquals(plainAccuracy, secureAccuracy, 0.01);

        whoSeesWhat(config(2, SplitTraining.Where.SECURE), secure.traffic());
    }

    /**
     * The per-peer counters of a secure run with two holders of 640 images (20 steps each): the
     * label holder receives the holders' id lists and nothing else; a holder receives the
     * verdict of the matching from the label holder (no labels) and from P0 and P1 only the
     * shares of its own 20 cut gradients (HOLDER0, the model owner, also the top); P0 receives
     * seeds and the verdict but no tensor from an input owner; P1 receives exactly the masked
     * activations and labels.
     */
    private static void whoSeesWhat(SplitTraining.Config c, java.util.Map<Role, TrafficCounter> traffic) {
        TrafficCounter labels = traffic.get(SplitTraining.LABELS);
        long cut = 32L * 4 * 14 * 14; // values of one batch's cut activations
        long top = 4L * 14 * 14 * 10 + 10; // the top's weights, revealed to the model owner
        long told = 4 + SplitCodec.heldMessage(new SplitCodec.Held(false, List.of())).length + 4; // and that the run ended
        for (Role party : new Role[]{Role.P0, Role.P1, Role.DEALER}) {
            assertEquals(party.equals(Role.DEALER) ? 0 : told, labels.total(party, Direction.RECEIVED).bytes(),
                    "the label holder receives from " + party + " only that it resumes nothing and that the run ended");
        }
        long verdict = traffic.get(SplitTraining.holder(0)).total(SplitTraining.LABELS, Direction.RECEIVED).bytes();
        assertTrue(verdict > 0 && verdict < 1000, "the verdict of the matching is small: " + verdict);
        for (int h = 0; h < 2; h++) {
            Role holder = SplitTraining.holder(h);
            java.util.List<String> ids = java.util.stream.IntStream.range(h * 640, h * 640 + 640).mapToObj(SplitData::mnistId).toList();
            assertEquals(4 + SplitCodec.matchRequest(c, ids, new SplitCodec.Held(false, List.of()), List.of(), null).length, labels.total(holder, Direction.RECEIVED).bytes(),
                    "the label holder receives " + holder + "'s facts and ids, no activation");
            TrafficCounter t = traffic.get(holder);
            assertEquals(0, t.total(SplitTraining.LABELS, Direction.RECEIVED).values(), "no labels at " + holder);
            assertEquals(verdict, t.total(SplitTraining.LABELS, Direction.RECEIVED).bytes(), "only the verdict at " + holder);
            for (Role party : new Role[]{Role.P0, Role.P1}) {
                assertEquals(20 * cut + (h == 0 ? top : 0), t.total(party, Direction.RECEIVED).values(),
                        holder + " receives the cut gradients of its own 20 batches from " + party);
            }
            assertEquals(0, traffic.get(Role.P0).total(holder, Direction.RECEIVED).values(), "P0 gets a seed from " + holder);
            assertEquals(20 * cut, traffic.get(Role.P1).total(holder, Direction.RECEIVED).values(), "P1: masked activations");
        }
        assertEquals(0, traffic.get(Role.P0).total(SplitTraining.LABELS, Direction.RECEIVED).values());
        assertEquals(40L * 32 * 10, traffic.get(Role.P1).total(SplitTraining.LABELS, Direction.RECEIVED).values());
        assertTrue(traffic.get(SplitTraining.holder(1)).total(SplitTraining.holder(0), Direction.RECEIVED).bytes() > 0,
                "holder 1 received holder 0's bottom");
        assertTrue(traffic.get(SplitTraining.holder(0)).total(SplitTraining.holder(1), Direction.RECEIVED).bytes() > 0,
                "holder 0, the model owner, received the last bottom");
    }

    /**
     * SplitFed: the holders' steps interleave, each trains its own bottom, and at the end of the
     * epoch all bottoms are replaced by their average, the holders exchanging them; secure equals plain.
     */
    @Test
    void splitFedInterleavesTheHoldersAndAveragesTheirBottoms() {
        SplitTraining.Config c = config(2, SplitTraining.Where.PLAIN, true);
        List<SplitTraining.Turn> turns = schedule(c);
        assertEquals(40, turns.size());
        for (int s = 0; s < turns.size(); s++) {
            assertEquals(s % 2, turns.get(s).holder(), "step " + s);
        }
        SplitTraining.Result plain = run(c);
        SplitTraining.Result secure = run(config(2, SplitTraining.Where.SECURE, true));
        double plainAccuracy = Evaluation.accuracy(NET, plain.model(), TestData.test(), 1000);
        double secureAccuracy = Evaluation.accuracy(NET, secure.model(), TestData.test(), 1000);
        System.out.printf("SplitFed, 2 holders: plain %.4f, secure %.4f%n", plainAccuracy, secureAccuracy);
        assertTrue(plainAccuracy >= 0.65, "plain " + plainAccuracy);
        assertEquals(plainAccuracy, secureAccuracy, 0.01);
        for (int h = 0; h < 2; h++) {
            assertTrue(secure.traffic().get(SplitTraining.holder(h)).total(SplitTraining.holder(1 - h), Direction.RECEIVED)
                    .bytes() > 0, "holder " + h + " received the other's bottom for the average");
        }
        List<double[]> a = List.of(new double[]{1, 2}, new double[]{3});
        List<double[]> b = List.of(new double[]{4, 8}, new double[]{6});
        List<double[]> mean = DataHolder.average(List.of(a, b), new int[]{1, 2});
        assertArrayEquals(new double[]{3, 6}, mean.get(0), 1e-12);
        assertArrayEquals(new double[]{5}, mean.get(1), 1e-12);
    }

    /** Holders 0 and 1 with 64 images each (ids of images 0..127, holder 1's first one renamed {@code firstId}) and the label holder. */
    private static void runPlain(SplitTraining.Config holder1, String firstId) {
        runPlain(holder1, firstId, List.of(), List.of());
    }

    /** As above, HOLDER0 testing on data that names {@code testClasses}, the label file naming {@code labelClasses}. */
    private static void runPlain(SplitTraining.Config holder1, String firstId, List<String> testClasses, List<String> labelClasses) {
        SplitTraining.Config c = config(2, SplitTraining.Where.PLAIN);
        java.util.Map<String, Integer> labels = new java.util.HashMap<>();
        java.util.Map<Role, org.spdz4j.triples.LocalComputation.Outsider> all = new java.util.LinkedHashMap<>();
        for (int h = 0; h < 2; h++) {
            int[] part = java.util.stream.IntStream.range(64 * h, 64 * h + 64).toArray();
            List<String> ids = new java.util.ArrayList<>(java.util.Arrays.stream(part).mapToObj(SplitData::mnistId).toList());
            java.util.Arrays.stream(part).forEach(i -> labels.put(SplitData.mnistId(i), TestData.train().label(i)));
            if (h == 1) {
                ids.set(0, firstId);
            }
            SplitData.HolderPart data = new SplitData.HolderPart(ids, TestData.train().select(part));
            int me = h;
            all.put(SplitTraining.holder(h), t -> DataHolder.run(me == 1 ? holder1 : c, me, data, me == 0 ? testClasses : List.of(),
                    null, SplitTraining.Checkpoints.NONE, t, new SplitTraining.Busy()));
        }
        all.put(SplitTraining.LABELS, t -> LabelHolder.run(c, labels, labelClasses, SplitTraining.Checkpoints.NONE, t,
                SplitTraining.Progress.NONE, new SplitTraining.Busy()));
        Participants.run(all, org.spdz4j.triples.LocalComputation.DEFAULT_TIMEOUT);
    }

    /**
     * Two holders each holding the rows of one class of a CSV, each reading its own file (the
     * second with its columns in another order): standardised by its own part's statistics each
     * would centre its one class at zero; HOLDER0 states its test data's statistics and both
     * standardise by them, so the model tells the classes apart.
     */
    @Test
    void holdersStandardiseTheirCsvByHolder0sTestStatistics(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.util.SplittableRandom r = new java.util.SplittableRandom(5);   // test data only
        StringBuilder all = new StringBuilder("f1,f2,kind\n");
        StringBuilder[] own = {new StringBuilder("id,f1,f2\n"), new StringBuilder("f2,id,f1\n")};
        java.util.Map<String, Integer> labels = new java.util.HashMap<>();
        for (int i = 0; i < 160; i++) {
            int k = i % 2;
            double f1 = (k == 0 ? 14 : 10) + r.nextGaussian();
            double f2 = 50 + 5 * r.nextGaussian();
            all.append(f1).append(',').append(f2).append(',').append(k == 0 ? "high" : "low").append('\n');
            own[k].append(k == 0 ? "s" + i + "," + f1 + "," + f2 : f2 + ",s" + i + "," + f1).append('\n');
            labels.put("s" + i, k);   // high, low: the sorted names' numbers
        }
        java.nio.file.Files.createDirectories(dir.resolve("all"));
        java.nio.file.Files.writeString(dir.resolve("all/train.csv"), all);
        java.nio.file.Files.writeString(dir.resolve("all/test.csv"), all);
        org.spdz4j.data.Dataset.Layout layout = new org.spdz4j.data.Dataset.Layout(Shape.of(2), "kind", true);
        org.spdz4j.data.Dataset test = org.spdz4j.data.Dataset.load(dir.resolve("all"), false, layout)
                .scaled(org.spdz4j.layers.InputScaling.UNIT);
        Network net = Network.builder().input(2).addDense(2, 4).addRelu().addSplit().addDense(4, 2).build();
        SplitTraining.Config c = new SplitTraining.Config(net, 2, SplitTraining.Where.PLAIN, false, 3, 10, new Sgd(0.1, 0, 0),
                LearningRateSchedule.CONSTANT, WeightInit.normal(0.5), 1, org.spdz4j.layers.InputScaling.UNIT);
        java.util.Map<Role, org.spdz4j.triples.LocalComputation.Outsider> everyone = new java.util.LinkedHashMap<>();
        java.util.concurrent.atomic.AtomicReference<List<double[]>> model = new java.util.concurrent.atomic.AtomicReference<>();
        for (int h = 0; h < 2; h++) {
            java.nio.file.Path part = dir.resolve("holder" + h + ".csv");
            java.nio.file.Files.writeString(part, own[h]);
            SplitData.HolderPart data = SplitData.readHolder(part, null, layout, "id");
            int me = h;
            everyone.put(SplitTraining.holder(h), t -> {
                List<double[]> m = DataHolder.run(c, me, data, me == 0 ? test : null, SplitTraining.Checkpoints.NONE, t,
                        new SplitTraining.Busy());
                if (m != null) {
                    model.set(m);
                }
            });
        }
        everyone.put(SplitTraining.LABELS, t -> LabelHolder.run(c, labels, SplitTraining.Checkpoints.NONE, t,
                SplitTraining.Progress.NONE, new SplitTraining.Busy()));
        Participants.run(everyone, org.spdz4j.triples.LocalComputation.DEFAULT_TIMEOUT);
        double accuracy = Evaluation.accuracy(net, model.get(), test, 160);
        System.out.println("holders of one class each, standardised by HOLDER0's statistics: " + accuracy);
        assertTrue(accuracy >= 0.9, "measured " + accuracy);
    }

    @Test
    void aHolderWithAnotherPlanOrAnUnknownSampleIsRefusedBeforeTheFirstStepNamingIt() {
        SplitTraining.Config c = config(2, SplitTraining.Where.PLAIN);
        SplitTraining.Config batch16 = new SplitTraining.Config(NET, 2, c.where(), false, 1, 16, c.sgd(), c.schedule(), c.init(), c.seed(),
                c.scaling());
        String plan = org.junit.jupiter.api.Assertions.assertThrows(org.spdz4j.core.transport.ProtocolException.class,
                () -> runPlain(batch16, SplitData.mnistId(64))).getMessage();
        assertTrue(plan.contains("another plan: HOLDER1 runs batch size (--batch) = 16 but LABELS runs 32"), plan);
        String unknown = org.junit.jupiter.api.Assertions.assertThrows(org.spdz4j.core.transport.ProtocolException.class,
                () -> runPlain(c, "stranger-7")).getMessage();
        assertTrue(unknown.contains("HOLDER1's sample id stranger-7 (its image 0) has no label"), unknown);
        String twice = org.junit.jupiter.api.Assertions.assertThrows(org.spdz4j.core.transport.ProtocolException.class,
                () -> runPlain(c, SplitData.mnistId(3))).getMessage();
        assertTrue(twice.contains("sample id mnist-train-00003 is held by both HOLDER0 and HOLDER1"), twice);
        // the owner's test data and the label file numbering the model's outputs otherwise
        String classes = org.junit.jupiter.api.Assertions.assertThrows(org.spdz4j.core.transport.ProtocolException.class,
                () -> runPlain(c, SplitData.mnistId(64), List.of("cat", "dog"), List.of("cat", "owl"))).getMessage();
        assertTrue(classes.contains("HOLDER0's test data names the classes [cat, dog] but LABELS's labels [cat, owl]"), classes);
        runPlain(c, SplitData.mnistId(64), List.of("cat", "dog"), List.of("cat", "dog")); // the same: it trains
    }


    /**
     * split-bench's counts on the small network (its cut: 4 x 14 x 14 = 784 values per sample):
     * in secure mode a holder sends one ring element (16 bytes) per cut value (to P1; a 16-byte
     * seed to P0 once) and receives two
     * (one share of the gradient from each party); in plain mode 8 bytes (a double) per value each
     * way, plus its id list once, and one round trip per step.
     */
    @Test
    void theSplitBenchmarkCountsTheBytesAtTheCutExactly() {
        int cut = 4 * 14 * 14;
        SplitBenchmark.Measurement secure = SplitBenchmark.measure(SMALL, SplitTraining.Where.SECURE, 16, 1, TestData.train());
        assertEquals(cut * 16.0 + 16.0 / 16, secure.upBytesPerSample(), 0.0); // and its 16-byte seed to P0, once
        assertEquals(2 * cut * 16.0, secure.downBytesPerSample(), 0.0);
        assertTrue(secure.roundsPerStep() > 2 && secure.p0BytesPerStep() > 0 && secure.dealerBytesPerStep() > 0, secure.row());
        assertTrue(secure.holderSeconds() > 0 && secure.topSeconds() > 0, secure.row());
        SplitBenchmark.Measurement plain = SplitBenchmark.measure(SMALL, SplitTraining.Where.PLAIN, 16, 1, TestData.train());
        assertTrue(plain.upBytesPerSample() >= cut * 8.0 && plain.upBytesPerSample() < cut * 8.0 + 64, plain.row());
        assertTrue(plain.downBytesPerSample() >= cut * 8.0 && plain.downBytesPerSample() < cut * 8.0 + 64, plain.row());
        assertEquals(1.0, plain.roundsPerStep(), 0.0);
        assertEquals(0.0, plain.p0BytesPerStep(), 0.0);
    }

    /** A label beyond the network's classes is refused: one-hot, it would mark a class of the next sample's row. */
    @Test
    void aLabelBeyondTheNetworksClassesIsRefused() {
        assertArrayEquals(new double[]{0, 1, 1, 0}, LabelHolder.oneHot(new int[]{1, 0}, new int[]{0, 1}, 2), 0.0);
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> LabelHolder.oneHot(new int[]{1, 3}, new int[]{0, 1}, 2));
        assertTrue(e.getMessage().contains("label 3 of sample 1 is not one of the network's 2 classes"), e.getMessage());
    }
}
