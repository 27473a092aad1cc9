package org.spdz4j.app;

import org.spdz4j.data.Dataset;
import org.spdz4j.data.TestData;
import org.spdz4j.core.transport.Role;
import org.spdz4j.federated.FederatedTraining;
import org.spdz4j.federated.RoundCheckpoint;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.ModelFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Federated averaging with both servers and four clients as OS processes over loopback TLS. */
class FedProcessesTest {
    @TempDir
    Path dir;

    private TestProcesses processes;
    private FederatedTraining.Config fedConfig; // the run's, as the last prepare() parsed its options

    @org.junit.jupiter.api.BeforeEach
    void rig() {
        processes = new TestProcesses(dir);
    }

    @AfterEach
    void stopAll() {
        processes.close();
    }

    /** Keys, run.yaml and each client's data for 4 clients, 640 images each; the options every process takes. */
    private List<String> prepare(int rounds, int localEpochs, String... more) throws IOException {
        return prepare(30, rounds, localEpochs, more);
    }

    /** As {@link #prepare(int, int, String...)} with a setup window (--timeout) of {@code timeout} seconds. */
    private List<String> prepare(int timeout, int rounds, int localEpochs, String... more) throws IOException {
        FedOptions o = new FedOptions();
        List<String> facts = new ArrayList<>(List.of("--network", "small", "--clients", "4", "--rounds", "" + rounds,
                "--local-epochs", "" + localEpochs, "--train-images", "2560", "--deadline", "20", "--pixel-scaling", "unit"));
        facts.addAll(List.of(more));
        new CommandLine(o).parseArgs(facts.toArray(new String[0]));
        FederatedTraining.Config c = o.config();
        fedConfig = c;
        Path config = Launcher.writeKeysAndConfig(dir, FederatedTraining.roles(c), FedCommands.links(4));
        int[][] parts = FederatedTraining.partition(c, TestData.rawTrain());
        for (int k = 0; k < 4; k++) {
            Dataset own = TestData.rawTrain().select(parts[k]);
            own.writeImages(dir.resolve("client" + k + "-images.gz"));
            own.writeLabels(dir.resolve("client" + k + "-labels.gz"));
        }
        List<String> common = new ArrayList<>(List.of("--config", config.toString(), "--keys", dir.toString(), "--timeout",
                "" + timeout));
        common.addAll(facts);
        return common;
    }

    private Process start(List<String> command, List<String> common, String log) throws IOException {
        return processes.start(command, common, log);
    }

    /** Server 1, server 0 (also the coordinator) and the dealer of the input check on shares (on by default). */
    private List<Process> servers(List<String> common) throws IOException {
        return List.of(start(List.of("fed-server", "--id", "1"), common, "P1.log"),
                start(List.of("fed-server", "--id", "0", "--test-data", TestData.dir().toString(), "--test-images", "500",
                        "--csv", dir.resolve("rounds.csv").toString()), common, "P0.log"),
                start(List.of("fed-dealer"), common, "dealer.log"));
    }

    private Process client(int k, List<String> common, String... extra) throws IOException {
        return client(k, "CLIENT" + k + ".log", common, extra);
    }

    private Process client(int k, String log, List<String> common, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("fed-client", "--id", "" + k, "--images", dir.resolve("client" + k + "-images.gz")
                .toString(), "--labels", dir.resolve("client" + k + "-labels.gz").toString()));
        args.addAll(List.of(extra));
        return start(args, common, log);
    }

    private String log(String name) throws IOException {
        return processes.log(name);
    }

    /** The clients in each round, from the coordinator's round lines. */
    private List<Integer> clientsIn() throws IOException {
        List<Integer> in = new ArrayList<>();
        Matcher m = Pattern.compile("round +\\d+: +(\\d+) clients in").matcher(log("P0.log"));
        while (m.find()) {
            in.add(Integer.parseInt(m.group(1)));
        }
        return in;
    }

    /** Waits (at most 90 s) until the coordinator has logged its first round. */
    private void awaitFirstRound() throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (clientsIn().isEmpty() && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
    }

    @Test
    void fourClientsTrainAndAClientKilledMidRunIsLeftOutWhileTheRoundsComplete() throws Exception {
        List<String> common = prepare(5, 3);
        List<Process> servers = servers(common);
        List<Process> clients = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
            clients.add(client(k, common));
        }
        awaitFirstRound();
        assertEquals(List.of(4), clientsIn(), "round 1 with all four clients, then client 3 is killed: " + log("P0.log"));
        clients.get(3).destroyForcibly();
        for (Process p : List.of(servers.get(0), servers.get(1), servers.get(2), clients.get(0), clients.get(1), clients.get(2))) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "every run completes");
            assertEquals(0, p.exitValue(), log("P0.log") + log("P1.log"));
        }
        List<Integer> in = clientsIn();
        assertEquals(5, in.size(), log("P0.log"));
        assertEquals(3, in.get(4), "client 3 is left out of the last round: " + in);
        String p0 = log("P0.log");
        assertTrue(p0.contains("left out CLIENT3"), "the log says who: " + p0);
        Matcher accuracy = Pattern.compile("round +5: .*test accuracy (\\d+\\.\\d+)%").matcher(p0);
        assertTrue(accuracy.find() && Double.parseDouble(accuracy.group(1)) / 100 >= 0.7, p0);
        assertEquals(6, Files.readAllLines(dir.resolve("rounds.csv")).size(), "header and five rounds");
    }

    @Test
    void aClientStartedWithAnotherPlanIsRefusedNamingTheOptionAndTheOthersGoOn() throws Exception {
        List<String> common = prepare(2, 1);
        List<Process> servers = servers(common);
        List<Process> good = List.of(client(0, common), client(1, common), client(2, common));
        Process other = client(3, common, "--batch", "16", "--reconnect", "2"); // another plan does not mend: no retry
        assertTrue(other.waitFor(60, TimeUnit.SECONDS));
        assertNotEquals(0, other.exitValue());
        assertTrue(log("CLIENT3.log").contains("another plan: COORDINATOR runs batch size (--batch) = 10 but CLIENT3 runs 16"),
                log("CLIENT3.log"));
        assertFalse(log("CLIENT3.log").contains("connecting again"), log("CLIENT3.log"));
        for (Process p : List.of(servers.get(0), servers.get(1), servers.get(2), good.get(0), good.get(1), good.get(2))) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), log("P0.log"));
        }
        assertEquals(List.of(3, 3), clientsIn(), log("P0.log"));
    }

    /**
     * The check on shares as processes, the dealer beside the servers: CLIENT2 shifts an element of
     * its share by 2^127 every round (caught by default, norm bound or not) and CLIENT3 pushes its
     * update to the clip (caught by the norm bound); both are left out with the reason in both
     * servers' logs, and the two honest clients' rounds complete. Only the verdicts are opened.
     */
    @Test
    void theCheckOnSharesLeavesOutAShiftedElementAndThePoisonedClientExceedingTheNormBound() throws Exception {
        List<String> common = prepare(2, 1, "--norm-bound", "50");
        List<Process> all = new ArrayList<>(servers(common));
        for (int k = 0; k < 2; k++) {
            all.add(client(k, common));
        }
        all.add(client(2, common, "--attack", "HALF_RING_SHIFT"));
        all.add(client(3, common, "--poison"));
        for (Process p : all) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), log("P0.log") + log("dealer.log"));
        }
        assertEquals(List.of(2, 2), clientsIn(), log("P0.log"));
        for (String name : new String[]{"P0.log", "P1.log"}) {
            assertTrue(log(name).contains("CLIENT2's update has elements outside the fixed-point headroom"), name + ": " + log(name));
            assertTrue(log(name).contains("CLIENT3's update exceeds the norm bound 50.0: left out"), name + ": " + log(name));
        }
    }

    /**
     * A configured client that never starts: the servers and the coordinator wait for it through
     * their setup window (--timeout), then start without it, naming it, and the three others train.
     */
    @Test
    void aClientThatNeverConnectsIsLeftOutAfterTheSetupWindowAndTheOthersTrain() throws Exception {
        List<String> common = prepare(8, 2, 1);
        List<Process> all = new ArrayList<>(servers(common));
        List<String> patient = new ArrayList<>(common); // the clients wait for the servers' window to end
        patient.set(patient.indexOf("--timeout") + 1, "60");
        for (int k = 0; k < 3; k++) { // CLIENT3 never starts
            all.add(client(k, patient));
        }
        for (Process p : all) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue(), log("P0.log") + log("P1.log"));
        }
        assertEquals(List.of(3, 3), clientsIn(), log("P0.log"));
        for (String name : new String[]{"P0.log", "P1.log"}) {
            assertTrue(log(name).contains("[CLIENT3] did not connect within the setup window: left out until it connects; 3 clients in"),
                    name + ": " + log(name));
        }
    }

    /**
     * Clients may come and go between rounds: CLIENT3 starts only after round 1 (the servers'
     * setup window long over) and joins at the next round's start; CLIENT2 is killed after round
     * 1 and started again, and comes back. The last round has all four in.
     */
    @Test
    void aClientThatComesLateJoinsAndOneRestartedComesBack() throws Exception {
        List<String> common = prepare(8, 8, 2);
        List<Process> all = new ArrayList<>(servers(common));
        List<String> patient = new ArrayList<>(common); // the clients wait for the servers
        patient.set(patient.indexOf("--timeout") + 1, "60");
        List<Process> clients = new ArrayList<>();
        for (int k = 0; k < 3; k++) {
            clients.add(client(k, patient));
        }
        awaitFirstRound();
        assertEquals(List.of(3), clientsIn(), "round 1 with the three that came: " + log("P0.log"));
        clients.get(2).destroyForcibly().waitFor();
        all.add(client(3, patient));
        all.add(client(2, "CLIENT2-again.log", patient));
        all.addAll(clients.subList(0, 2));
        for (Process p : all) {
            assertTrue(p.waitFor(180, TimeUnit.SECONDS), "every run completes: " + log("P0.log"));
            assertEquals(0, p.exitValue(), log("P0.log") + log("P1.log") + log("CLIENT3.log") + log("CLIENT2-again.log"));
        }
        List<Integer> in = clientsIn();
        assertEquals(8, in.size(), log("P0.log"));
        assertEquals(4, in.get(7), "the last round has all four: " + in + "\n" + log("P0.log"));
        String p0 = log("P0.log");
        assertTrue(p0.contains("CLIENT3 joined late"), p0);
        assertTrue(p0.contains("CLIENT2 is back"), p0);
    }

    /**
     * With {@code --reconnect}, every link through a proxy that drops all its connections once the
     * coordinator has saved round 1: every participant connects again, the coordinator goes on
     * from round 2, all exit 0, and the model is the uninterrupted in-JVM run's to the bit.
     */
    @Test
    void withReconnectALinkThatDropsMidRunCostsOnlyTheRoundSinceTheLastSavedOne() throws Exception {
        int rounds = 3;
        List<String> common = new ArrayList<>(prepare(rounds, 1));
        common.addAll(List.of("--reconnect", "2"));
        Path config = Path.of(common.get(common.indexOf("--config") + 1));
        Path ck = dir.resolve("ck");
        Path model = dir.resolve("model.spdz");
        List<Role> roles = List.of(Role.P0, Role.P1, Role.DEALER, FederatedTraining.client(0), FederatedTraining.client(1),
                FederatedTraining.client(2), FederatedTraining.client(3));
        java.util.Map<Role, List<Role>> hosted = WanLinks.eachItself(roles);
        hosted.put(Role.P0, List.of(Role.P0, FederatedTraining.COORDINATOR));
        try (WanLinks links = WanLinks.start(dir, "wan-", config, hosted, 0, 0)) {
            List<Process> all = new ArrayList<>();
            all.add(start(List.of("fed-server", "--id", "1"), through(common, links.config(Role.P1)), "P1.log"));
            all.add(start(List.of("fed-server", "--id", "0", "--test-data", TestData.dir().toString(), "--test-images", "500",
                    "--checkpoint-dir", ck.toString(), "--save-model", model.toString()), through(common,
                    links.config(Role.P0)), "P0.log"));
            all.add(start(List.of("fed-dealer"), through(common, links.config(Role.DEALER)), "dealer.log"));
            for (int k = 0; k < 4; k++) {
                all.add(client(k, through(common, links.config(FederatedTraining.client(k)))));
            }
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!Files.exists(RoundCheckpoint.file(ck, 1))) {
                assertTrue(System.nanoTime() < deadline && all.get(1).isAlive(), "round 1 is saved: " + log("P0.log"));
                Thread.sleep(20);
            }
            links.cut();
            for (Process p : all) {
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "every process ends: " + log("P0.log"));
                assertEquals(0, p.exitValue(), log("P0.log") + log("P1.log") + log("dealer.log") + log("CLIENT0.log"));
            }
        }
        String p0 = log("P0.log");
        assertTrue(p0.contains("connecting again to go on from the coordinator's last saved round (1 of 2)"), p0);
        assertTrue(p0.contains("COORDINATOR: resuming at round 2"), p0);
        for (String other : List.of("P1.log", "dealer.log", "CLIENT0.log")) {
            assertTrue(log(other).contains("connecting again to go on from the coordinator's last saved round (1 of 2)"),
                    other + ": " + log(other));
        }
        FederatedTraining.Result uninterrupted = FederatedTraining.run(fedConfig,
                TestData.rawTrain().scaled(InputScaling.UNIT), TestData.rawTest().scaled(InputScaling.UNIT), 500,
                FederatedTraining.Faults.NONE);
        List<double[]> saved = ModelFile.read(model).params();
        for (int i = 0; i < saved.size(); i++) {
            assertArrayEquals(uninterrupted.model().get(i), saved.get(i), "tensor " + i);
        }
    }

    /** {@code common} with {@code --config} set to {@code config} (a process's view of the links). */
    private static List<String> through(List<String> common, Path config) {
        List<String> args = new ArrayList<>(common);
        args.set(args.indexOf("--config") + 1, config.toString());
        return args;
    }
}
