package org.spdz4j.federated;

import org.spdz4j.data.TestData;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;

/** Federated averaging with secure aggregation, in one JVM, on an MNIST subset (4 clients of 640 images). */
class FederatedTrainingTest {
    private static final Network NET = Network.builder().addConv2d(1, 4, 3, 1, 1).addRelu().addMaxPool2d(2).addFlatten()
            .addDense(4 * 14 * 14, 10).build();

    private static FederatedTraining.Config config(boolean secure, int minimum, double clip) {
        return new FederatedTraining.Config(NET, 4, 1.0, 3, 1, 32, new Sgd(0.05, 0, 0), 0, 0, minimum, clip, "iid", 2560, 1,
                WeightInit.normal(0.05), secure, Duration.ofSeconds(5), 0);
    }

    private static List<FederatedTraining.Round> run(FederatedTraining.Config c, FederatedTraining.Faults f) throws Exception {
        return FederatedTraining.run(c, TestData.train(), TestData.test(), 1000, f).rounds();
    }

    /** Round by round, the secure run's accuracy is the plaintext FedAvg's within 0.1 points. */
    @Test
    void secureFedAvgEqualsPlaintextFedAvgRoundByRound() throws Exception {
        List<FederatedTraining.Round> plain = run(config(false, 2, 10), FederatedTraining.Faults.NONE);
        List<FederatedTraining.Round> secure = run(config(true, 2, 10), FederatedTraining.Faults.NONE);
        secure.forEach(r -> System.out.println(FederatedTraining.line(r)));
        for (int r = 0; r < 3; r++) {
            assertEquals(plain.get(r).accuracy(), secure.get(r).accuracy(), 0.001, "round " + (r + 1));
            assertEquals(4, secure.get(r).aggregated());
        }
        assertTrue(secure.get(2).accuracy() >= 0.75, "after 3 rounds (measured 80.3%): " + secure.get(2).accuracy());
    }

    /**
     * A client whose own data names the classes in another order (here the digits backwards, so
     * its label 3 is its class index 6) trains each example on the run's output for that class,
     * by name: the run's model is the same to the bit as when every client numbers them alike.
     */
    @Test
    void aClientsClassesAreNumberedByTheRunsByName() throws Exception {
        FederatedTraining.Config c = config(false, 2, 10); // the sum in the clear: the models compared to the bit
        List<String> backwards = java.util.stream.IntStream.range(0, 10).mapToObj(d -> "" + (9 - d)).toList();
        List<org.spdz4j.data.Dataset> alike = new java.util.ArrayList<>();
        List<org.spdz4j.data.Dataset> reordered = new java.util.ArrayList<>();
        for (int[] part : FederatedTraining.partition(c, TestData.train())) {
            org.spdz4j.data.Dataset own = TestData.train().select(part);
            alike.add(own);
            reordered.add(reordered.size() % 2 == 0 ? own.inClasses(backwards) : own);
        }
        int aThree = java.util.stream.IntStream.range(0, 640).filter(i -> alike.get(0).label(i) == 3).findFirst().orElseThrow();
        assertEquals(6, reordered.get(0).label(aThree));
        FederatedTraining.Result a = FederatedTraining.run(c, alike, TestData.test(), 200, FederatedTraining.Faults.NONE,
                FederatedTraining.RoundListener.NONE, FederatedTraining.Checkpoints.NONE);
        FederatedTraining.Result b = FederatedTraining.run(c, reordered, TestData.test(), 200, FederatedTraining.Faults.NONE,
                FederatedTraining.RoundListener.NONE, FederatedTraining.Checkpoints.NONE);
        for (int i = 0; i < a.model().size(); i++) {
            assertArrayEquals(a.model().get(i), b.model().get(i), "parameter " + i);
        }
        assertTrue(b.rounds().get(2).accuracy() >= 0.75, "" + b.rounds().get(2).accuracy());
    }

    /**
     * Two clients each holding one class of a CSV (extreme non-IID), each reading its own file:
     * standardised by its own part's statistics each would centre its one class at zero and the
     * model could not tell them apart; the coordinator states its training file's statistics and
     * every client standardises by them, so the run learns as from the whole file's parts.
     */
    @Test
    void clientsStandardiseTheirCsvByTheCoordinatorsStatistics(@TempDir Path dir) throws Exception {
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);   // test data only
        StringBuilder all = new StringBuilder("f1,f2,kind\n");
        StringBuilder[] own = {new StringBuilder("f2,f1,kind\n"), new StringBuilder("f1,f2,kind\n")};
        for (int i = 0; i < 200; i++) {
            int k = i % 2;
            double f1 = (k == 0 ? 10 : 14) + r.nextGaussian();
            double f2 = 50 + 5 * r.nextGaussian();
            String kind = k == 0 ? "low" : "high";
            all.append(f1).append(',').append(f2).append(',').append(kind).append('\n');
            own[k].append(k == 0 ? f2 + "," + f1 : f1 + "," + f2).append(',').append(kind).append('\n');
        }
        Files.createDirectories(dir.resolve("all"));
        Files.writeString(dir.resolve("all/train.csv"), all);
        Files.writeString(dir.resolve("all/test.csv"), all);
        org.spdz4j.data.Dataset.Layout layout = new org.spdz4j.data.Dataset.Layout(org.spdz4j.core.ring.Shape.of(2), "kind",
                true);
        List<org.spdz4j.data.Dataset> parts = new java.util.ArrayList<>();
        for (int k = 0; k < 2; k++) {
            Files.createDirectories(dir.resolve("client" + k));
            Files.writeString(dir.resolve("client" + k + "/train.csv"), own[k]);
            parts.add(org.spdz4j.data.Dataset.load(dir.resolve("client" + k), true, layout.asPart())
                    .scaled(org.spdz4j.layers.InputScaling.UNIT));
        }
        org.spdz4j.data.Dataset test = org.spdz4j.data.Dataset.load(dir.resolve("all"), false, layout)
                .scaled(org.spdz4j.layers.InputScaling.UNIT);
        Network net = Network.builder().input(2).addDense(2, 4).addRelu().addDense(4, 2).build();
        FederatedTraining.Config c = new FederatedTraining.Config(net, 2, 1.0, 5, 2, 10, new Sgd(0.1, 0, 0), 0, 0, 2, 10, "iid",
                200, 1, WeightInit.normal(0.5), false, Duration.ofSeconds(5), 0);
        FederatedTraining.Result run = FederatedTraining.run(c, parts, test, 200, FederatedTraining.Faults.NONE,
                FederatedTraining.RoundListener.NONE, FederatedTraining.Checkpoints.NONE);
        run.rounds().forEach(round -> System.out.println(FederatedTraining.line(round)));
        assertTrue(run.rounds().get(4).accuracy() >= 0.9, "measured " + run.rounds().get(4).accuracy());
    }

    /** Non-IID shards (two classes per client) with FedProx (mu 0.1) and server momentum: secure equals plaintext. */
    @Test
    void fedProxWithServerMomentumOnShardsMatchesItsPlaintextRun() throws Exception {
        List<List<FederatedTraining.Round>> runs = new java.util.ArrayList<>();
        for (boolean secure : new boolean[]{false, true}) {
            runs.add(run(new FederatedTraining.Config(NET, 4, 1.0, 3, 1, 32, new Sgd(0.05, 0, 0), 0.1, 0.5, 2, 10, "shards",
                    2560, 1, WeightInit.normal(0.05), secure, Duration.ofSeconds(5), 0), FederatedTraining.Faults.NONE));
        }
        runs.get(1).forEach(r -> System.out.println(FederatedTraining.line(r)));
        for (int r = 0; r < 3; r++) {
            assertEquals(runs.get(0).get(r).accuracy(), runs.get(1).get(r).accuracy(), 0.001, "round " + (r + 1));
        }
        assertTrue(runs.get(1).get(2).accuracy() >= 0.5, "measured 68.2%: " + runs.get(1).get(2).accuracy());
    }

    @Test
    void aClientKilledMidRunAndOneReachingOnlyP0AreLeftOutAndTheRoundsComplete() throws Exception {
        List<FederatedTraining.Round> rounds = run(config(true, 2, 10), new FederatedTraining.Faults(1, 2, 0, 1, -1));
        assertEquals(3, rounds.get(0).aggregated(), "client 1 reached only P0 in round 1: left out by both");
        assertEquals(2, rounds.get(1).aggregated(), "client 2 killed from round 2 on; client 1 is no longer waited for by P1");
        assertTrue(rounds.stream().noneMatch(FederatedTraining.Round::skipped));
        assertTrue(rounds.get(2).accuracy() >= 0.70, "" + rounds.get(2).accuracy());
    }

    /**
     * With the norm bound, a client whose update is pushed to the clip everywhere (norm about 886
     * here) is left out by both aggregators each round; with no poisoner every honest update
     * passes and the run is the same as without the check.
     */
    @Test
    void theNormBoundLeavesOutAPoisonedUpdateAndPassesHonestOnes() throws Exception {
        FederatedTraining.Config c = config(true, 2, 10).withNormBound(50);
        List<FederatedTraining.Round> poisoned = run(c, new FederatedTraining.Faults(-1, -1, -1, -1, 2));
        List<FederatedTraining.Round> honest = run(c, FederatedTraining.Faults.NONE);
        List<FederatedTraining.Round> unchecked = run(config(true, 2, 10).withoutInputCheck(), FederatedTraining.Faults.NONE);
        for (int r = 0; r < 3; r++) {
            assertEquals(3, poisoned.get(r).aggregated(), "round " + (r + 1) + ": the poisoned client is left out");
            assertEquals(4, honest.get(r).aggregated(), "round " + (r + 1) + ": every honest update passes");
            assertEquals(unchecked.get(r).accuracy(), honest.get(r).accuracy(), 0.0, "round " + (r + 1));
        }
        assertTrue(poisoned.get(2).accuracy() >= 0.70, "" + poisoned.get(2).accuracy());
        IllegalArgumentException plain = assertThrows(IllegalArgumentException.class, () -> config(false, 2, 10).withNormBound(5));
        assertTrue(plain.getMessage().contains("needs secure aggregation"), plain.getMessage());
    }

    @Test
    void belowTheMinimumRoundsAreSkippedAndAnOversizedClipIsRefused() throws Exception {
        List<FederatedTraining.Round> rounds = run(config(true, 5, 10), FederatedTraining.Faults.NONE);
        assertTrue(rounds.stream().allMatch(FederatedTraining.Round::skipped), "4 clients, 5 required");
        assertEquals(rounds.get(0).accuracy(), rounds.get(2).accuracy(), 0.0, "nothing revealed, the model never moved");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> run(config(true, 2, 1e10), FederatedTraining.Faults.NONE));
        assertTrue(e.getMessage().contains("beyond the fixed-point headroom"), e.getMessage());
    }

    /**
     * The coordinator saves its state after each round (the two newest kept, owner-only); a run
     * resumed from the state after round 2 runs round 3 alone and ends with exactly the model of
     * the uninterrupted run (server momentum on, so the velocity is restored too). A checkpoint
     * of another run, and one with no round left to run, are refused naming what to change.
     */
    @Test
    void aRunResumedFromItsLastRoundCheckpointEndsWithTheUninterruptedRunsModel(@TempDir Path dir) throws Exception {
        FederatedTraining.Config c = new FederatedTraining.Config(NET, 4, 1.0, 3, 1, 32, new Sgd(0.05, 0, 0), 0, 0.5, 2, 10,
                "iid", 2560, 1, WeightInit.normal(0.05), true, Duration.ofSeconds(5), 0);
        FederatedTraining.Result whole = FederatedTraining.run(c, TestData.train(), TestData.test(), 1000,
                FederatedTraining.Faults.NONE, FederatedTraining.RoundListener.NONE, new FederatedTraining.Checkpoints(dir, false));
        assertFalse(Files.exists(RoundCheckpoint.file(dir, 1)), "the two newest are kept");
        assertTrue(Files.exists(RoundCheckpoint.file(dir, 2)));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(RoundCheckpoint.file(dir, 3))));
        Files.delete(RoundCheckpoint.file(dir, 3)); // as if the run had broken during round 3

        FederatedTraining.Result resumed = FederatedTraining.run(c, TestData.train(), TestData.test(), 1000,
                FederatedTraining.Faults.NONE, FederatedTraining.RoundListener.NONE, new FederatedTraining.Checkpoints(dir, true));
        assertEquals(1, resumed.rounds().size(), "round 3 alone");
        assertEquals(2, resumed.rounds().get(0).round());
        for (int i = 0; i < whole.model().size(); i++) {
            assertArrayEquals(whole.model().get(i), resumed.model().get(i), "tensor " + i + ": bit for bit");
        }
        assertEquals(whole.rounds().get(2).accuracy(), resumed.rounds().get(0).accuracy(), 0.0);

        Exception done = assertThrows(Exception.class, () -> FederatedTraining.run(c, TestData.train(), TestData.test(), 1000,
                FederatedTraining.Faults.NONE, FederatedTraining.RoundListener.NONE, new FederatedTraining.Checkpoints(dir, true)));
        assertTrue(String.valueOf(done.getMessage()).contains("give more --rounds to go on"), done.toString());
        java.io.IOException other = assertThrows(java.io.IOException.class, () -> RoundCheckpoint.latest(dir,
                FederatedTraining.facts(config(true, 2, 10), org.spdz4j.layers.InputScaling.UNIT),
                FederatedTraining.initialModel(c).paramValues()));
        assertTrue(other.getMessage().contains("was written by another federated run"), other.getMessage());
    }
}
