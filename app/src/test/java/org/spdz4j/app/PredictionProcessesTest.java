package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.transport.Role;
import org.spdz4j.data.Evaluation;
import org.spdz4j.data.TestData;
import org.spdz4j.layers.ModelFile;

/** Private prediction as processes over TLS: two servers, the dealer and two clients; and the model share commands. */
class PredictionProcessesTest {
    @TempDir
    Path dir;
    private TestProcesses processes;

    @BeforeEach
    void rig() {
        processes = new TestProcesses(dir);
    }

    @AfterEach
    void stopAll() {
        processes.close();
    }

    private static double accuracy(String out) {
        Matcher m = Pattern.compile("accuracy ([0-9.]+)%").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void twoClientsLearnTheirAnswersFromAModelSharedBetweenTwoServerProcesses() throws Exception {
        Path model = dir.resolve("small.spdz");
        SpdzRun train = SpdzRun.of("train", "--plaintext", "--data", TestData.dir().toString(), "--network", "small",
                "--train-images", "3200", "--test-images", "100", "--save-model", model.toString(), "--quiet");
        assertEquals(0, train.code(), train.out() + train.err());
        Path shares = dir.resolve("shares");
        SpdzRun share = SpdzRun.of("share-model", "--model", model.toString(), "--out", shares.toString());
        assertEquals(0, share.code(), share.err());
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                Files.getPosixFilePermissions(shares.resolve("P0.share"))));
        Path rebuilt = dir.resolve("rebuilt.spdz");
        SpdzRun combine = SpdzRun.of("combine-shares", "--shares", shares.toString(), "--save-model", rebuilt.toString());
        assertEquals(0, combine.code(), combine.err());
        ModelFile original = ModelFile.read(model);
        ModelFile back = ModelFile.read(rebuilt);
        assertEquals(List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), original.classes());
        assertEquals(original.classes(), back.classes(), "the class names ride through the shares and back");
        for (int i = 0; i < original.params().size(); i++) {
            for (int j = 0; j < original.params().get(i).length; j++) {
                assertEquals(original.params().get(i)[j], back.params().get(i)[j], 1e-6, "fixed point keeps each weight");
            }
        }

        Path config = Launcher.writeKeysAndConfig(dir, List.of(Role.P0, Role.P1, Role.DEALER, Role.parse("CLIENT0"),
                Role.parse("CLIENT1")), List.of());
        List<String> common = List.of("--config", config.toString(), "--keys", dir.toString(), "--timeout", "60");
        // the clients first: they dial until the servers listen, and both come within the session's window
        Process c0 = processes.start(List.of("classify", "--id", "0", "--data", TestData.dir().toString(), "--test-images",
                "200"), common, "CLIENT0.log");
        Process c1 = processes.start(List.of("classify", "--id", "1", "--data", TestData.dir().toString(), "--test-images",
                "120"), common, "CLIENT1.log");
        List<String> serving = List.of("--sessions", "1", "--wait", "20", "--batch", "64");
        List<Process> servers = new ArrayList<>();
        servers.add(processes.start(concat(List.of("serve", "--id", "0", "--model", shares.resolve("P0.share").toString()),
                serving), common, "P0.log"));
        servers.add(processes.start(concat(List.of("serve", "--id", "1", "--model", shares.resolve("P1.share").toString()),
                serving), common, "P1.log"));
        servers.add(processes.start(concat(List.of("serve", "--dealer"), serving), common, "DEALER.log"));
        for (Process p : List.of(c0, c1, servers.get(0), servers.get(1), servers.get(2))) {
            assertTrue(p.waitFor(150, TimeUnit.SECONDS), "every process ends: " + processes.log("P0.log"));
            assertEquals(0, p.exitValue(), processes.log("P0.log") + processes.log("P1.log") + processes.log("DEALER.log")
                    + processes.log("CLIENT0.log") + processes.log("CLIENT1.log"));
        }
        String p0 = processes.log("P0.log");
        assertTrue(p0.contains("session 1: answered {CLIENT0=200, CLIENT1=120} in 5 batches"), p0);
        double expected0 = 100 * Evaluation.accuracy(original.network(), original.params(), TestData.rawTest()
                .scaled(original.scaling()), 200);
        assertEquals(expected0, accuracy(processes.log("CLIENT0.log")), 1.0, "the float model's accuracy, within 2 images");
        assertTrue(accuracy(processes.log("CLIENT1.log")) > 70, processes.log("CLIENT1.log"));
        for (String log : List.of("P0.log", "P1.log", "DEALER.log")) {
            String text = processes.log(log);
            assertFalse(text.contains("accuracy"), "no server learns how the answers went: " + text);
        }
    }

    @Test
    void aCorruptImageIsRefusedAtTheClientBeforeAnythingIsSentAndAStrangerDuringTheHandshake() throws Exception {
        Path bad = dir.resolve("bad.png");
        Files.write(bad, new byte[]{1, 2, 3, 4});
        Path shares = trainAndShare(dir.resolve("m.spdz"), 320);
        Path config = Launcher.writeKeysAndConfig(dir, List.of(Role.P0, Role.P1, Role.DEALER, Role.parse("CLIENT0")),
                List.of());
        List<String> common = List.of("--config", config.toString(), "--keys", dir.toString(), "--timeout", "60");
        List<String> serving = List.of("--sessions", "1", "--wait", "30");
        Path strangerKeys = dir.resolve("stranger");
        assertEquals(0, SpdzRun.of("keygen", "--role", "CLIENT0", "--out", strangerKeys.toString()).code());
        Process stranger = processes.start(List.of("classify", "--id", "0", bad.toString()), List.of("--config",
                config.toString(), "--keys", strangerKeys.toString(), "--timeout", "60"), "stranger.log");
        Process client = processes.start(List.of("classify", "--id", "0", bad.toString()), common, "CLIENT0.log");
        serve(shares, serving, common);
        assertTrue(client.waitFor(120, TimeUnit.SECONDS));
        assertEquals(1, client.exitValue());
        String out = processes.log("CLIENT0.log");
        assertTrue(out.contains(bad + "") && out.contains("nothing was sent"), out);
        awaitLog("P0.log", "left out CLIENT0");
        assertTrue(stranger.waitFor(90, TimeUnit.SECONDS));
        assertEquals(1, stranger.exitValue(), "a client whose certificate is not the one pinned in run.yaml is refused");
        String refused = processes.log("stranger.log");
        assertTrue(refused.contains("certificate") || refused.contains("fingerprint"), refused);
    }

    @Test
    void aSessionBrokenByTheDealersEndCostsThatSessionOnlyAndItsClientAsksAgainInTheNext() throws Exception {
        Path model = dir.resolve("m.spdz");
        Path shares = trainAndShare(model, 640);
        Path config = Launcher.writeKeysAndConfig(dir, List.of(Role.P0, Role.P1, Role.DEALER, Role.parse("CLIENT0")),
                List.of());
        List<String> common = List.of("--config", config.toString(), "--keys", dir.toString(), "--timeout", "60");
        List<String> serving = List.of("--sessions", "1", "--wait", "30");
        List<Process> servers = serve(shares, serving, common);
        Process p0 = servers.get(0);
        Process p1 = servers.get(1);
        Process dealer = servers.get(2);
        awaitLog("P0.log", "P0 connected to DEALER");
        awaitLog("P1.log", "P1 connected to DEALER");
        // the dealer stops answering before the client comes, so the session the client starts cannot end without it
        assertEquals(0, new ProcessBuilder("kill", "-STOP", Long.toString(dealer.pid())).start().waitFor());
        Process client = processes.start(List.of("classify", "--id", "0", "--data", TestData.dir().toString(),
                "--test-images", "50"), common, "CLIENT0.log");
        awaitLog("P0.log", "P0 connected to CLIENT0");
        dealer.destroyForcibly(); // mid-session: its links close
        awaitLog("P0.log", "session 1 failed");
        Process second = processes.start(concat(List.of("serve", "--dealer"), serving), common, "DEALER2.log");
        for (Process p : List.of(client, p0, p1, second)) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "every process ends: " + processes.log("P0.log"));
            assertEquals(0, p.exitValue(), processes.log("P0.log") + processes.log("P1.log") + processes.log("DEALER2.log")
                    + processes.log("CLIENT0.log"));
        }
        String out = processes.log("CLIENT0.log");
        assertTrue(out.contains("the session broke") && out.contains("asking again in the next one"), out);
        ModelFile trained = ModelFile.read(model);
        double expected = 100 * Evaluation.accuracy(trained.network(), trained.params(), TestData.rawTest()
                .scaled(trained.scaling()), 50);
        assertEquals(expected, accuracy(out), 2.0, "the float model's accuracy, within one image");
        for (String log : List.of("P0.log", "P1.log")) {
            String text = processes.log(log);
            assertTrue(text.contains("session 1 failed") && text.contains("DEALER") && text.contains("serving the next session"),
                    text);
            assertTrue(text.contains("session 2: answered {CLIENT0=50}"), text);
        }
    }

    /** The small network trained in the clear on {@code trainImages} images, saved to {@code model}, shared: the shares' folder. */
    private Path trainAndShare(Path model, int trainImages) {
        SpdzRun train = SpdzRun.of("train", "--plaintext", "--data", TestData.dir().toString(), "--network", "small",
                "--train-images", "" + trainImages, "--test-images", "10", "--save-model", model.toString(), "--quiet");
        assertEquals(0, train.code(), train.err());
        Path shares = dir.resolve("shares");
        assertEquals(0, SpdzRun.of("share-model", "--model", model.toString(), "--out", shares.toString()).code());
        return shares;
    }

    /** P0, P1 (their shares from {@code shares}) and the dealer, serving with {@code serving}: logs P0.log, P1.log, DEALER.log. */
    private List<Process> serve(Path shares, List<String> serving, List<String> common) throws java.io.IOException {
        return List.of(
                processes.start(concat(List.of("serve", "--id", "0", "--model", shares.resolve("P0.share").toString()), serving),
                        common, "P0.log"),
                processes.start(concat(List.of("serve", "--id", "1", "--model", shares.resolve("P1.share").toString()), serving),
                        common, "P1.log"),
                processes.start(concat(List.of("serve", "--dealer"), serving), common, "DEALER.log"));
    }

    /** Waits up to a minute for {@code text} in a process's log. */
    private void awaitLog(String log, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!processes.log(log).contains(text)) {
            assertTrue(System.nanoTime() < deadline, "no '" + text + "' in " + log + ": " + processes.log(log));
            Thread.sleep(50);
        }
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
