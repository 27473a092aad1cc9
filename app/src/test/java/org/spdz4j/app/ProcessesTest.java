package org.spdz4j.app;

import org.spdz4j.data.TestData;
import org.spdz4j.run.RunConfig;
import org.spdz4j.training.LocalTraining;
import org.spdz4j.training.TrainingConfig;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.transport.Role;
import org.spdz4j.layers.ModelFile;
import picocli.CommandLine;

/** The dealer and both parties as separate OS processes over loopback TLS. */
class ProcessesTest {
    private static final String DEALER_SEED = "000102030405060708090a0b0c0d0e0f";
    private static final String INPUT_SEED = "f0e0d0c0b0a090807060504030201000";

    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(Process::destroyForcibly);
    }

    /** Fresh keys and run.yaml in the test directory; what every process gets: config, keys, timeout, options. */
    private List<String> common(int timeoutSeconds, List<String> options) throws IOException {
        Path config = Launcher.writeKeysAndConfig(dir);
        List<String> c = new ArrayList<>(List.of("--config", config.toString(), "--keys", dir.toString(), "--timeout",
                "" + timeoutSeconds));
        c.addAll(options);
        return c;
    }

    /** Starts party {@code id} (log P{id}.log); {@code extra} options come before the common ones. */
    private Process party(int id, List<String> common, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("party", "--id", "" + id, "--data", TestData.dir().toString(),
                "--no-progress"));
        args.addAll(List.of(extra));
        args.addAll(common);
        return start(args, "P" + id + ".log");
    }

    /** Starts the dealer (log dealer.log). */
    private Process dealer(List<String> common, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("dealer"));
        args.addAll(List.of(extra));
        args.addAll(common);
        return start(args, "dealer.log");
    }

    private Process start(List<String> args, String log) throws IOException {
        Process p = Launcher.start(args, dir.resolve(log));
        started.add(p);
        return p;
    }

    private String log(String name) throws IOException {
        return Files.readString(dir.resolve(name));
    }

    private static TrainingOptions options(int trainImages) {
        return options(32, trainImages, List.of());
    }

    private static TrainingOptions options(int batch, int trainImages, List<String> extra) {
        TrainingOptions o = new TrainingOptions();
        List<String> args = new java.util.ArrayList<>(List.of("--network", "small", "--batch", "" + batch, "--train-images",
                "" + trainImages));
        args.addAll(extra);
        new CommandLine(o).parseArgs(args.toArray(String[]::new));
        return o;
    }

    @Test
    void threeProcessesRevealTheSameModelAsTheInMemoryRunBitForBit() throws Exception {
        revealsTheInMemoryModel(List.of(), List.of());
    }

    /**
     * Micro-batches take their turns alike in three processes over TLS, with real timing, and
     * compute the whole batch's steps: the same model to the bit as the in-memory run of the
     * unsplit batch.
     */
    @Test
    void threeProcessesInMicroBatchesRevealTheUnsplitInMemoryRunsModel() throws Exception {
        revealsTheInMemoryModel(List.of("--micro-batches", "2"), List.of());
    }

    /**
     * {@code --micro-batches auto} (the default) across an emulated WAN of a 50 ms round trip: P0
     * measures it and splits each batch of 64 into two micro-batches (P1 says so), and the model
     * is the unsplit in-memory run's to the bit.
     */
    @Test
    void acrossA50msRoundTripAutoSplitsTheBatchAndRevealsTheUnsplitModel() throws Exception {
        revealsTheInMemoryModel(64, List.of("--wan", "50"), List.of("--micro-batches", "1"));
        String p1 = log("run/P1.log");
        assertTrue(p1.contains("P1: --micro-batches auto: P0 chose 2 micro-batch(es) of 32 rows"), p1);
    }

    /**
     * {@code --micro-batches auto} on a link without delay but of 100 Mbit/s: P0's probe finds the
     * bandwidth low and splits each batch of 64 into two micro-batches, and the model is the
     * unsplit in-memory run's to the bit.
     */
    @Test
    void onA100MbitLinkAutoSplitsTheBatchAndRevealsTheUnsplitModel() throws Exception {
        revealsTheInMemoryModel(64, List.of("--wan", "0,100"), List.of("--micro-batches", "1"));
        String p1 = log("run/P1.log");
        assertTrue(p1.contains("P1: --micro-batches auto: P0 chose 2 micro-batch(es) of 32 rows"), p1);
    }

    /** The processes' run with {@code extra} options reveals the model of the in-memory run with {@code reference} ones. */
    private void revealsTheInMemoryModel(List<String> extra, List<String> reference) throws Exception {
        revealsTheInMemoryModel(32, extra, reference);
    }

    /** As {@link #revealsTheInMemoryModel(List, List)} for three batches of {@code batch}. */
    private void revealsTheInMemoryModel(int batch, List<String> extra, List<String> reference) throws Exception {
        Path model = dir.resolve("model.spdz");
        List<String> args = new java.util.ArrayList<>(List.of("--data", TestData.dir().toString(), "--network", "small",
                "--batch", "" + batch, "--train-images", "" + 3 * batch, "--test-images", "100", "--save-model", model.toString(),
                "--dir", dir.resolve("run").toString(), "--dealer-seed", DEALER_SEED, "--input-seed", INPUT_SEED,
                "--no-progress", "--timeout", "60"));
        args.addAll(extra);
        int code = new CommandLine(new DemoCommand()).execute(args.toArray(String[]::new));
        assertEquals(0, code);
        ModelFile fromProcesses = ModelFile.read(model);

        TrainingOptions options = options(batch, 3 * batch, reference);
        TrainingConfig c = options.config();
        LocalTraining.Result inMemory = LocalTraining.run(c, TestData.rawTrain().scaled(options.scaling(TestData.rawTrain())), s -> { },
                HexFormat.of().parseHex(DEALER_SEED), HexFormat.of().parseHex(INPUT_SEED));
        assertEquals(c.network().describe(), fromProcesses.network().describe());
        assertEquals(inMemory.model().size(), fromProcesses.params().size());
        for (int i = 0; i < inMemory.model().size(); i++) {
            assertArrayEquals(inMemory.model().get(i), fromProcesses.params().get(i), "parameter " + i);
        }
    }

    @Test
    void compareBackendsAsProcessesTimesEachRoundAndFindsTheModelsIdentical() throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream before = System.out;
        int code;
        System.setOut(new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            code = new CommandLine(new CompareBackendsCommand()).execute("--data", TestData.dir().toString(),
                    "--network", "small", "--batch", "32", "--steps", "3", "--reference", "java", "--backend", "java",
                    "--processes", "--rounds", "1", "--timeout", "120");
        } finally {
            System.setOut(before);
        }
        String text = out.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertEquals(0, code, text);
        assertTrue(text.contains("round 1: java") && !text.contains("round 2"), text);
        assertTrue(text.contains("over 1 round(s); revealed models identical: yes"), text);

        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        CommandLine failing = new CommandLine(new CompareBackendsCommand());
        failing.setErr(new java.io.PrintWriter(err, true, java.nio.charset.StandardCharsets.UTF_8));
        System.setOut(new java.io.PrintStream(new java.io.ByteArrayOutputStream(), true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            code = failing.execute("--data", TestData.dir().toString(), "--network", "small", "--batch", "32", "--steps", "2",
                    "--reference", "java", "--backend", "nosuch", "--processes", "--timeout", "120");
        } finally {
            System.setOut(before);
        }
        assertNotEquals(0, code);
        String why = err.toString(java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(why.contains("the nosuch-0-1 run failed") && why.contains(".log"), why);
    }

    @Test
    void aPortScanAndNoiseWhileP0WaitsForItsPeersDoNotStopTheRun() throws Exception {
        List<String> common = common(60, options(64).asArguments());
        InetSocketAddress p0At = RunConfig.read(dir.resolve("run.yaml")).endpoints().get(Role.P0);
        Process q0 = party(0, common, "--test-images", "0");
        int knocks = 0;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (knocks < 20 && System.nanoTime() < deadline) {
            try (Socket s = new Socket(p0At.getAddress(), p0At.getPort())) {
                if (knocks % 2 == 1) { // a TLS record header, then noise
                    s.getOutputStream().write(new byte[]{0x16, 0x03, 0x01, 0, 5, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 9});
                }
                knocks++;
            } catch (IOException notListeningYet) {
                Thread.sleep(100);
            }
        }
        assertEquals(20, knocks);
        assertTrue(q0.isAlive(), "P0 must go on waiting for its real peers");
        Process q1 = party(1, common);
        Process d = dealer(common);
        for (Process p : new Process[]{q0, q1, d}) {
            assertTrue(p.waitFor(90, TimeUnit.SECONDS));
        }
        String log = log("P0.log");
        assertEquals(0, q0.exitValue(), log);
        assertTrue(log.contains("dropped") && log.contains("not a configured peer"), log);
        assertTrue(log.length() < 20_000, "no dumps of the strangers' bytes");
    }

    @Test
    void aPeerWithAnotherPlanIsRefusedNamingTheFieldAndBothValues() throws Exception {
        refusedAtP0(List.of("--network", "small", "--train-images", "320"), "--batch", "32", "16",
                "batch size (--batch) mismatch: P0 has '32' but P1 has '16'");
    }

    @Test
    void aPeerWithAnotherSplitIntoMicroBatchesIsRefusedNamingIt() throws Exception {
        refusedAtP0(List.of("--network", "small", "--train-images", "320", "--batch", "32"), "--micro-batches", "2", "1",
                "micro-batches (--micro-batches) mismatch: P0 has '2' but P1 has '1'");
    }

    /** P0 and the dealer given {@code option} = {@code p0Value}, P1 {@code p1Value}: both parties fail, P0 saying {@code expected}. */
    private void refusedAtP0(List<String> recipe, String option, String p0Value, String p1Value, String expected)
            throws Exception {
        List<String> common = common(20, recipe);
        dealer(common, option, p0Value);
        Process q1 = party(1, common, option, p1Value);
        Process q0 = party(0, common, option, p0Value);
        assertTrue(q0.waitFor(60, TimeUnit.SECONDS) && q1.waitFor(60, TimeUnit.SECONDS));
        assertNotEquals(0, q0.exitValue());
        assertNotEquals(0, q1.exitValue());
        String log = log("P0.log");
        assertTrue(log.contains(expected), log);
    }

    @Test
    void aDealerStartedForAnotherNumberOfStepsIsRefusedAtConnectionNamingBothRanges() throws Exception {
        List<String> common = common(30, List.of("--network", "small", "--batch", "32"));
        List<Process> all = List.of(dealer(common, "--train-images", "640"),
                party(1, common, "--test-images", "0", "--train-images", "320"),
                party(0, common, "--test-images", "0", "--train-images", "320"));
        for (Process p : all) {
            // the 30 s timeout would name what it waited for, not the step ranges (checked below);
            // the bound only catches a hang, and is loose for a loaded machine
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "refused at connection, not hanging");
            assertNotEquals(0, p.exitValue());
        }
        String expected = "step range mismatch: P0 runs steps 0..9 but the dealer's options end at step 19";
        for (String name : new String[]{"dealer.log", "P0.log", "P1.log"}) {
            assertTrue(log(name).contains(expected), name + ": " + log(name));
        }
    }

    /**
     * The dealer has produced every step and waits for the parties; P0 dies while evaluating the
     * model. The dealer must not report success.
     */
    @Test
    void aDealerWhoseLastStepIsOutExitsNonZeroWhenAPartyDiesAfterwards() throws Exception {
        List<String> common = common(60, List.of("--batch", "32", "--train-images", "32"));
        Process d = dealer(common);
        Process q1 = party(1, common);
        Process q0 = party(0, common, "--test-images", "10000");
        assertTrue(q1.waitFor(120, TimeUnit.SECONDS) && q1.exitValue() == 0, "P1 trains its one step and finishes");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!log("dealer.log").contains("waiting for both parties") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertTrue(q0.isAlive(), "P0 should still be evaluating 10,000 test images");
        q0.destroyForcibly();
        assertTrue(d.waitFor(30, TimeUnit.SECONDS), "the dealer must exit at once");
        String log = log("dealer.log");
        assertNotEquals(0, d.exitValue(), log);
        assertTrue(log.contains("P0 did not finish the run"), log);
        assertFalse(log.contains("both parties finished"), log);
    }

    @Test
    void killingAPartyMidRunEndsTheOthersNamingIt() throws Exception {
        List<String> common = common(20, options(3200).asArguments());
        Process d = dealer(common);
        Process q1 = party(1, common);
        Process q0 = party(0, common);
        // connected (on a loaded machine the JVMs may take many seconds to start) and training: 100 steps take far longer
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!(log("dealer.log").contains("DEALER connected to P1") && log("P0.log").contains("P0 connected to P1"))
                && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        Thread.sleep(2000);
        assertTrue(q0.isAlive() && q1.isAlive() && d.isAlive(), "all three should be training");
        q1.destroyForcibly();
        assertTrue(q0.waitFor(60, TimeUnit.SECONDS), "P0 must exit within its timeout");
        assertNotEquals(0, q0.exitValue());
        assertTrue(log("P0.log").contains("P1"), log("P0.log"));
        assertTrue(d.waitFor(60, TimeUnit.SECONDS), "the dealer must exit within its timeout");
        assertNotEquals(0, d.exitValue(), "a run in which a party died is no success for the dealer either");
        String dealerLog = log("dealer.log");
        assertTrue(dealerLog.contains("P1 closed the connection") || dealerLog.contains("P1 did not finish the run"),
                dealerLog);
    }
}
