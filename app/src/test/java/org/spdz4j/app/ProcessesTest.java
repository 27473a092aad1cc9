package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.layers.ModelFile;
import picocli.CommandLine;

/** The dealer and both parties as separate OS processes over loopback TLS. */
class ProcessesTest {
    private static final String DEALER_SEED = "000102030405060708090a0b0c0d0e0f";
    private static final String INPUT_SEED = "f0e0d0c0b0a090807060504030201000";

    @TempDir
    Path dir;

    private static TrainingOptions options(int trainImages) {
        TrainingOptions o = new TrainingOptions();
        new CommandLine(o).parseArgs("--network", "small", "--batch", "32", "--train-images", "" + trainImages);
        return o;
    }

    @Test
    void threeProcessesRevealTheSameModelAsTheInMemoryRunBitForBit() throws Exception {
        Path model = dir.resolve("model.spdz");
        int code = new CommandLine(new DemoCommand()).execute("--data", TestData.dir().toString(), "--network", "small",
                "--batch", "32", "--train-images", "96", "--test-images", "100", "--save-model", model.toString(),
                "--dir", dir.resolve("run").toString(), "--dealer-seed", DEALER_SEED, "--input-seed", INPUT_SEED,
                "--no-progress", "--timeout", "60");
        assertEquals(0, code);
        ModelFile fromProcesses = ModelFile.read(model);

        TrainingConfig c = options(96).config();
        LocalTraining.Result inMemory = LocalTraining.run(c, TestData.train(), s -> { },
                HexFormat.of().parseHex(DEALER_SEED), HexFormat.of().parseHex(INPUT_SEED));
        assertEquals(c.network().describe(), fromProcesses.network().describe());
        assertEquals(inMemory.model().size(), fromProcesses.params().size());
        for (int i = 0; i < inMemory.model().size(); i++) {
            assertArrayEquals(inMemory.model().get(i), fromProcesses.params().get(i), "parameter " + i);
        }
    }

    @Test
    void aPortScanAndNoiseWhileP0WaitsForItsPeersDoNotStopTheRun() throws Exception {
        Path config = DemoCommand.writeKeysAndConfig(dir);
        java.net.InetSocketAddress p0At = RunConfig.read(config).endpoints().get(org.spdz4j.core.transport.Role.P0);
        List<String> common = new ArrayList<>(List.of("--config", config.toString(), "--keys", dir.toString(),
                "--timeout", "60"));
        common.addAll(options(64).asArguments());
        List<String> p0 = new ArrayList<>(List.of("party", "--id", "0", "--data", TestData.dir().toString(), "--no-progress",
                "--test-images", "0"));
        p0.addAll(common);
        Process q0 = DemoCommand.start(p0, dir.resolve("P0.log"));
        List<Process> all = new ArrayList<>(List.of(q0));
        try {
            int knocks = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (knocks < 20 && System.nanoTime() < deadline) {
                try (java.net.Socket s = new java.net.Socket(p0At.getAddress(), p0At.getPort())) {
                    if (knocks % 2 == 1) {
                        s.getOutputStream().write(new byte[]{0x16, 0x03, 0x01, 0, 5, 'h', 'e', 'l', 'l', 'o', 0, 0, 0, 9});
                    }
                    knocks++;
                } catch (java.io.IOException notListeningYet) {
                    Thread.sleep(100);
                }
            }
            assertEquals(20, knocks);
            assertTrue(q0.isAlive(), "P0 must go on waiting for its real peers");
            List<String> p1 = new ArrayList<>(List.of("party", "--id", "1", "--data", TestData.dir().toString(),
                    "--no-progress"));
            p1.addAll(common);
            List<String> dealer = new ArrayList<>(List.of("dealer"));
            dealer.addAll(common);
            all.add(DemoCommand.start(p1, dir.resolve("P1.log")));
            all.add(DemoCommand.start(dealer, dir.resolve("dealer.log")));
            for (Process p : all) {
                assertTrue(p.waitFor(90, TimeUnit.SECONDS));
            }
            String log = Files.readString(dir.resolve("P0.log"));
            assertEquals(0, q0.exitValue(), log);
            assertTrue(log.contains("dropped") && log.contains("not a configured peer"), log);
            assertTrue(log.length() < 20_000, "no dumps of the strangers' bytes");
        } finally {
            all.forEach(Process::destroyForcibly);
        }
    }

    @Test
    void aPeerWithAnotherPlanIsRefusedNamingTheFieldAndBothValues() throws Exception {
        Path config = DemoCommand.writeKeysAndConfig(dir);
        List<String> common = List.of("--config", config.toString(), "--keys", dir.toString(), "--timeout", "20",
                "--network", "small", "--train-images", "320");
        List<String> p0 = new ArrayList<>(List.of("party", "--id", "0", "--data", TestData.dir().toString(),
                "--no-progress", "--batch", "32"));
        p0.addAll(common);
        List<String> p1 = new ArrayList<>(List.of("party", "--id", "1", "--data", TestData.dir().toString(),
                "--no-progress", "--batch", "16"));
        p1.addAll(common);
        List<String> dealer = new ArrayList<>(List.of("dealer", "--batch", "32"));
        dealer.addAll(common);
        Process d = DemoCommand.start(dealer, dir.resolve("dealer.log"));
        Process q1 = DemoCommand.start(p1, dir.resolve("P1.log"));
        Process q0 = DemoCommand.start(p0, dir.resolve("P0.log"));
        try {
            assertTrue(q0.waitFor(60, TimeUnit.SECONDS) && q1.waitFor(60, TimeUnit.SECONDS));
            assertNotEquals(0, q0.exitValue());
            assertNotEquals(0, q1.exitValue());
            String log = Files.readString(dir.resolve("P0.log"));
            assertTrue(log.contains("batch size (--batch) mismatch: P0 has '32' but P1 has '16'"), log);
        } finally {
            for (Process p : new Process[]{d, q0, q1}) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void aDealerStartedForAnotherNumberOfStepsIsRefusedAtConnectionNamingBothRanges() throws Exception {
        Path config = DemoCommand.writeKeysAndConfig(dir);
        List<String> common = List.of("--config", config.toString(), "--keys", dir.toString(), "--timeout", "30",
                "--network", "small", "--batch", "32");
        List<String> dealer = new ArrayList<>(List.of("dealer", "--train-images", "640"));
        dealer.addAll(common);
        List<Process> all = new ArrayList<>(List.of(DemoCommand.start(dealer, dir.resolve("dealer.log"))));
        for (String id : new String[]{"1", "0"}) {
            List<String> party = new ArrayList<>(List.of("party", "--id", id, "--data", TestData.dir().toString(),
                    "--no-progress", "--test-images", "0", "--train-images", "320"));
            party.addAll(common);
            all.add(DemoCommand.start(party, dir.resolve("P" + id + ".log")));
        }
        try {
            for (Process p : all) {
                assertTrue(p.waitFor(25, TimeUnit.SECONDS), "refused at connection, not after a timeout");
                assertNotEquals(0, p.exitValue());
            }
            String expected = "step range mismatch: P0 runs steps 0..9 but the dealer's options end at step 19";
            for (String log : new String[]{"dealer.log", "P0.log", "P1.log"}) {
                String text = Files.readString(dir.resolve(log));
                assertTrue(text.contains(expected), log + ": " + text);
            }
        } finally {
            all.forEach(Process::destroyForcibly);
        }
    }

    /**
     * The dealer has produced every step and waits for the parties; P0 dies while evaluating the
     * model. The dealer must not report success.
     */
    @Test
    void aDealerWhoseLastStepIsOutExitsNonZeroWhenAPartyDiesAfterwards() throws Exception {
        Path config = DemoCommand.writeKeysAndConfig(dir);
        List<String> common = List.of("--config", config.toString(), "--keys", dir.toString(), "--timeout", "60",
                "--batch", "32", "--train-images", "32");
        List<String> dealer = new ArrayList<>(List.of("dealer"));
        dealer.addAll(common);
        Process d = DemoCommand.start(dealer, dir.resolve("dealer.log"));
        List<String> p1 = new ArrayList<>(List.of("party", "--id", "1", "--data", TestData.dir().toString(), "--no-progress"));
        p1.addAll(common);
        Process q1 = DemoCommand.start(p1, dir.resolve("P1.log"));
        List<String> p0 = new ArrayList<>(List.of("party", "--id", "0", "--data", TestData.dir().toString(), "--no-progress",
                "--test-images", "10000"));
        p0.addAll(common);
        Process q0 = DemoCommand.start(p0, dir.resolve("P0.log"));
        try {
            assertTrue(q1.waitFor(60, TimeUnit.SECONDS) && q1.exitValue() == 0, "P1 trains its one step and finishes");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!Files.readString(dir.resolve("dealer.log")).contains("waiting for both parties")
                    && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            assertTrue(q0.isAlive(), "P0 should still be evaluating 10,000 test images");
            q0.destroyForcibly();
            assertTrue(d.waitFor(30, TimeUnit.SECONDS), "the dealer must exit at once");
            String log = Files.readString(dir.resolve("dealer.log"));
            assertNotEquals(0, d.exitValue(), log);
            assertTrue(log.contains("P0 did not finish the run"), log);
            assertFalse(log.contains("both parties finished"), log);
        } finally {
            for (Process p : new Process[]{d, q0, q1}) {
                p.destroyForcibly();
            }
        }
    }

    @Test
    void killingAPartyMidRunEndsTheOthersNamingIt() throws Exception {
        Path config = DemoCommand.writeKeysAndConfig(dir);
        List<String> common = new ArrayList<>(List.of("--config", config.toString(), "--keys", dir.toString(),
                "--timeout", "20"));
        common.addAll(options(3200).asArguments());
        List<String> dealer = new ArrayList<>(List.of("dealer"));
        dealer.addAll(common);
        List<String> p1 = new ArrayList<>(List.of("party", "--id", "1", "--data", TestData.dir().toString(), "--no-progress"));
        p1.addAll(common);
        List<String> p0 = new ArrayList<>(List.of("party", "--id", "0", "--data", TestData.dir().toString(), "--no-progress"));
        p0.addAll(common);
        Process d = DemoCommand.start(dealer, dir.resolve("dealer.log"));
        Process q1 = DemoCommand.start(p1, dir.resolve("P1.log"));
        Process q0 = DemoCommand.start(p0, dir.resolve("P0.log"));
        try {
            Thread.sleep(8000); // connected and training (100 steps take far longer)
            assertTrue(q0.isAlive() && q1.isAlive() && d.isAlive(), "all three should be training");
            q1.destroyForcibly();
            assertTrue(q0.waitFor(60, TimeUnit.SECONDS), "P0 must exit within its timeout");
            assertNotEquals(0, q0.exitValue());
            String log = Files.readString(dir.resolve("P0.log"));
            assertTrue(log.contains("P1"), log);
            assertTrue(d.waitFor(60, TimeUnit.SECONDS), "the dealer must exit within its timeout");
            assertNotEquals(0, d.exitValue(), "a run in which a party died is no success for the dealer either");
            String dealerLog = Files.readString(dir.resolve("dealer.log"));
            assertTrue(dealerLog.contains("P1 closed the connection") || dealerLog.contains("P1 did not finish the run"),
                    dealerLog);
        } finally {
            for (Process p : new Process[]{d, q0, q1}) {
                p.destroyForcibly();
            }
        }
    }
}
