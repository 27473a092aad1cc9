package org.spdz4j.app;

import org.spdz4j.data.TestData;
import org.spdz4j.training.Checkpoint;
import org.spdz4j.training.LocalTraining;
import org.spdz4j.training.TrainingConfig;
import org.spdz4j.training.TrainingParty;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.files.SecretFiles;
import org.spdz4j.core.transport.Role;
import org.spdz4j.layers.ModelFile;
import picocli.CommandLine;

class CheckpointTest {
    private static final String DEALER_SEED = "000102030405060708090a0b0c0d0e0f";
    private static final String INPUT_SEED = "0102030405060708090a0b0c0d0e0f10";

    @TempDir
    Path dir;

    private static TrainingOptions options(int trainImages, String... more) {
        TrainingOptions o = new TrainingOptions();
        List<String> args = new java.util.ArrayList<>(List.of("--network", "small", "--batch", "32", "--train-images", "" + trainImages));
        args.addAll(List.of(more));
        new CommandLine(o).parseArgs(args.toArray(new String[0]));
        return o;
    }

    private static TrainingConfig config(int trainImages) {
        return options(trainImages).config();
    }

    /** In memory, on the images scaled as the commands scale them for these options. */
    private static LocalTraining.Result run(TrainingConfig c, int[][] batches, int first, TrainingParty.Checkpointing ck) {
        return LocalTraining.run(c, TestData.rawTrain().scaled(options(c.trainImages()).scaling(TestData.rawTrain())), s -> { }, HexFormat.of().parseHex(DEALER_SEED),
                HexFormat.of().parseHex(INPUT_SEED), batches, first, ck);
    }

    private static void assertSameModel(List<double[]> expected, List<double[]> actual) {
        assertEquals(expected.size(), actual.size());
        for (int i = 0; i < expected.size(); i++) {
            assertArrayEquals(expected.get(i), actual.get(i), "parameter " + i);
        }
    }

    @Test
    void aResumedRunEndsWithExactlyTheModelOfAnUninterruptedOneAndEachPartyKeepsItsTwoNewest() throws IOException {
        // a constant rate: the "crash" below is a shorter batch list, which would change a schedule's total
        // (a real resumed run has the full list, as the processes below with the default cosine schedule show)
        TrainingConfig c = options(192, "--lr-schedule", "constant").config();
        int[][] all = LocalTraining.batches(c, TestData.train().size());
        assertEquals(6, all.length);
        LocalTraining.Result uninterrupted = run(c, all, 0, null);

        TrainingParty.Checkpointing ck = new TrainingParty.Checkpointing(dir, 1);
        run(c, Arrays.copyOf(all, 4), 0, ck); // "crash" after 4
        assertEquals(List.of(3, 4), Checkpoint.steps(dir, Role.P0));
        assertEquals(List.of(3, 4), Checkpoint.steps(dir, Role.P1));
        LocalTraining.Result resumed = run(c, all, 4, ck);
        assertEquals(2, resumed.steps());
        assertSameModel(uninterrupted.model(), resumed.model());
        assertEquals(List.of(5, 6), Checkpoint.steps(dir, Role.P0));
    }

    @Test
    void aCorruptCheckpointIsLeftOutOfTheStepsAndRefusedWhenRead() throws IOException {
        TrainingConfig c = config(64);
        run(c, LocalTraining.batches(c, TestData.train().size()), 0, new TrainingParty.Checkpointing(dir, 1));
        Path f = Checkpoint.file(dir, Role.P1, 2);
        byte[] b = Files.readAllBytes(f);
        b[b.length / 2] ^= 4;
        Files.write(f, b);
        assertEquals(List.of(1), Checkpoint.steps(dir, Role.P1));
        IOException e = assertThrows(IOException.class, () -> Checkpoint.read(dir, Role.P1, 2, new byte[32], List.of()));
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }

    @Test
    void sharesOnDiskAreOwnerOnly() throws IOException {
        TrainingConfig c = config(64);
        Path own = dir.resolve("state");
        run(c, LocalTraining.batches(c, TestData.train().size()), 0, new TrainingParty.Checkpointing(own, 1));
        assertFalse(SecretFiles.openToOthers(own));
        try (Stream<Path> files = Files.list(own)) {
            for (Path f : files.toList()) {
                assertFalse(SecretFiles.openToOthers(f), f + " is readable by others");
            }
        }
    }

    /**
     * P1 is killed after P0 saved step 4 but before P1 did: P0 holds {3, 4}, P1 {3}. The
     * three processes agree on step 3 (the dealer learns it from the parties) and end with the
     * model of an uninterrupted run.
     */
    @Test
    void processesResumeAtTheLatestCommonCheckpointAfterAPartyDiedBetweenTheTwoWrites() throws Exception {
        Path run = dir.resolve("run");
        Path model = dir.resolve("model.spdz");
        String[] options = {"--data", TestData.dir().toString(), "--network", "small", "--batch", "32",
            "--train-images", "128", "--test-images", "0", "--dir", run.toString(), "--dealer-seed", DEALER_SEED,
            "--input-seed", INPUT_SEED, "--no-progress", "--timeout", "60", "--checkpoint-every", "1"};
        assertEquals(0, new CommandLine(new DemoCommand()).execute(options));
        Path p0 = run.resolve("checkpoints/P0");
        Path p1 = run.resolve("checkpoints/P1");
        assertEquals(List.of(3, 4), Checkpoint.steps(p0, Role.P0));
        assertFalse(Files.exists(run.resolve("P0.key.pem")), "the demo deletes its keys at exit");
        String[] resume = Arrays.copyOf(options, options.length + 3);
        resume[options.length] = "--resume";
        resume[options.length + 1] = "--save-model";
        resume[options.length + 2] = model.toString();
        TrainingConfig c = config(128);
        LocalTraining.Result uninterrupted = run(c, LocalTraining.batches(c, TestData.train().size()), 0, null);

        // resuming the finished run says so and writes the model from the final checkpoint (it failed before)
        assertEquals(0, new CommandLine(new DemoCommand()).execute(resume));
        assertTrue(Files.readString(run.resolve("P1.log")).contains("the run is finished (its final checkpoint, step 4"),
                Files.readString(run.resolve("P1.log")));
        assertSameModel(uninterrupted.model(), ModelFile.read(model).params());
        assertFalse(SecretFiles.openToOthers(model), "the model is its owner's secret");
        Files.delete(model);

        Files.delete(Checkpoint.file(p1, Role.P1, 4)); // P1 died before saving step 4
        assertEquals(0, new CommandLine(new DemoCommand()).execute(resume));
        assertTrue(Files.readString(run.resolve("P1.log")).contains("resuming at step 3"));
        assertTrue(Files.readString(run.resolve("dealer.log")).contains("steps 3..3"));

        assertSameModel(uninterrupted.model(), ModelFile.read(model).params());
    }
    /**
     * A blip of the WAN mid-run: every link through a proxy, which drops all its connections once
     * P0 holds a checkpoint; with {@code --reconnect} the three processes connect again, go on
     * from the last checkpoint both parties hold (or from the start where none is common yet),
     * and reveal exactly the model of an uninterrupted run.
     */
    @Test
    void withReconnectALinkThatDropsMidRunCostsOnlyTheStepsSinceTheLastCommonCheckpoint() throws Exception {
        int steps = 8;
        Path model = dir.resolve("model.spdz");
        Path config = Launcher.writeKeysAndConfig(dir);
        List<String> recipe = List.of("--network", "small", "--batch", "32", "--train-images", "" + 32 * steps, "--keys",
                dir.toString(), "--timeout", "60", "--reconnect", "2");
        try (TestProcesses processes = new TestProcesses(dir);
             WanLinks links = WanLinks.start(dir, "wan-", config, WanLinks.eachItself(List.of(Role.P0, Role.P1, Role.DEALER)),
                     0, 0)) {
            Process dealer = processes.start(List.of("dealer", "--config", links.config(Role.DEALER).toString(),
                    "--dealer-seed", DEALER_SEED), recipe, "dealer.log");
            Process p1 = processes.start(List.of("party", "--id", "1", "--config", links.config(Role.P1).toString(), "--data",
                    TestData.dir().toString(), "--no-progress", "--checkpoint-dir", dir.resolve("ck1").toString(),
                    "--checkpoint-every", "2"), recipe, "P1.log");
            Process p0 = processes.start(List.of("party", "--id", "0", "--config", links.config(Role.P0).toString(), "--data",
                    TestData.dir().toString(), "--no-progress", "--checkpoint-dir", dir.resolve("ck0").toString(),
                    "--checkpoint-every", "2", "--input-seed", INPUT_SEED, "--test-images", "0", "--save-model",
                    model.toString()), recipe, "P0.log");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.isDirectory(dir.resolve("ck0")) || Checkpoint.steps(dir.resolve("ck0"), Role.P0).isEmpty()) {
                assertTrue(System.nanoTime() < deadline && p0.isAlive(), "P0 saves a checkpoint: " + processes.log("P0.log"));
                Thread.sleep(20);
            }
            links.cut();
            for (Process p : List.of(p0, p1, dealer)) {
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "every process ends: " + processes.log("P0.log"));
                assertEquals(0, p.exitValue(), processes.log("P0.log") + processes.log("P1.log") + processes.log("dealer.log"));
            }
            for (String log : List.of("P0.log", "P1.log", "dealer.log")) {
                assertTrue(processes.log(log).contains("connecting again to go on from the last checkpoint both parties hold "
                        + "(1 of 2)"), processes.log(log));
            }
            assertTrue(processes.log("P0.log").contains("resuming at step"), processes.log("P0.log"));
        }
        TrainingConfig c = config(32 * steps);
        LocalTraining.Result uninterrupted = run(c, LocalTraining.batches(c, TestData.train().size()), 0, null);
        assertSameModel(uninterrupted.model(), ModelFile.read(model).params());
    }
}
