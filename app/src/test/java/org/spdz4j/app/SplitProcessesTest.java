package org.spdz4j.app;

import org.spdz4j.data.TestData;
import org.spdz4j.split.SplitData;
import org.spdz4j.split.SplitTraining;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
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
import org.spdz4j.core.transport.Role;
import org.spdz4j.layers.ModelFile;

/** Split learning with every participant its own OS process over loopback TLS. */
class SplitProcessesTest {
    private static final List<String> SMALL = List.of("--network", "small", "--epochs", "1");

    @TempDir
    Path dir;

    private TestProcesses processes;

    @org.junit.jupiter.api.BeforeEach
    void rig() {
        processes = new TestProcesses(dir);
    }

    @AfterEach
    void stopAll() {
        processes.close();
    }

    /** Two holders in secure mode, 4 steps each: the demo's participants finish, the model owner's model is a model predict reads. */
    @Test
    void twoHoldersInSecureModeTrainAndTheModelOwnerSavesTheAssembledModel() throws Exception {
        Path model = dir.resolve("split.spdz");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrintStream stdout = System.out;
        int code;
        try {
            System.setOut(new PrintStream(out, true));
            List<String> args = new ArrayList<>(List.of("split-demo", "--data", TestData.dir().toString(), "--top", "secure",
                    "--train-images", "256", "--test-images", "1000", "--save-model", model.toString(),
                    "--dir", dir.resolve("run").toString(), "--no-progress", "--timeout", "60", "--batch", "32",
                    "--lr-schedule", "constant")); // 8 steps: a cosine decay would spend half of them at a small rate
            args.addAll(SMALL);
            code = Spdz.commandLine().execute(args.toArray(new String[0]));
        } finally {
            System.setOut(stdout);
        }
        String text = out.toString();
        System.out.print(text);
        assertEquals(0, code, text);
        Matcher accuracy = Pattern.compile("HOLDER0: test accuracy (\\d+\\.\\d+)%").matcher(text);
        assertTrue(accuracy.find(), text);
        assertTrue(Double.parseDouble(accuracy.group(1)) / 100 >= 0.25, "8 steps of 32 learn something (chance 0.10): " + text);
        for (String role : new String[]{"P0", "P1", "DEALER", "HOLDER0", "HOLDER1", "LABELS"}) {
            assertTrue(Pattern.compile("(?m)^" + role + " +[0-9,]+ +[0-9,]+$").matcher(text).find(), role + " row: " + text);
        }
        assertEquals(SplitOptions.network("small").describe(), ModelFile.read(model).network().describe());
        for (Role r : SplitTraining.roles(SplitTraining.Where.SECURE, 2)) {
            assertTrue(Files.notExists(dir.resolve("run").resolve(r + ".key.pem")), "the demo deletes " + r + "'s key");
        }
    }

    /** Keys, run.yaml and data parts of a plain run with two holders of 64 images in {@link #dir}. */
    private List<String> plainRun(int timeoutSeconds) throws IOException {
        return plainRun(timeoutSeconds, 128);
    }

    /** As {@link #plainRun(int)}, the first {@code images} cut into the two holders' parts. */
    private List<String> plainRun(int timeoutSeconds, int images) throws IOException {
        List<Role> roles = SplitTraining.roles(SplitTraining.Where.PLAIN, 2);
        Path config = Launcher.writeKeysAndConfig(dir, roles, SplitDemoCommand.links(2));
        SplitData.prepare(dir, TestData.rawTrain(), 2, images, 1);
        List<String> common = new ArrayList<>(List.of("--config", config.toString(), "--keys", dir.toString(), "--timeout",
                "" + timeoutSeconds, "--pixel-scaling", "unit"));
        common.addAll(SMALL);
        return common;
    }

    private Process start(List<String> command, List<String> common, String log) throws IOException {
        return processes.start(command, common, log);
    }

    private Process holder(int h, List<String> common, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("split-holder", "--id", "" + h, "--images",
                dir.resolve("holder" + h + "-images-idx3-ubyte.gz").toString(), "--ids", dir.resolve("holder" + h + ".ids").toString()));
        args.addAll(List.of(extra));
        return start(args, common, "HOLDER" + h + ".log");
    }

    private Process labels(List<String> common, String... extra) throws IOException {
        List<String> args = new ArrayList<>(List.of("split-labels", "--no-progress", "--batch", "32", "--labels",
                dir.resolve("labels.csv").toString()));
        args.addAll(List.of(extra));
        return start(args, common, "LABELS.log");
    }

    /**
     * A plain run of two epochs (two holders of 64 images, 2 steps each an epoch), every
     * participant saving into a folder of its own: started again with {@code --resume} the three
     * go on from epoch 1 (HOLDER1 hands the bottom over again) and HOLDER0 saves the
     * uninterrupted run's model, bit for bit. Started again with the label holder alone without
     * {@code --resume}, all three are refused at once, naming both.
     */
    @Test
    void aPlainRunResumedFromItsFirstEpochSavesTheUninterruptedModel() throws Exception {
        List<String> common = new ArrayList<>(plainRun(30));
        common.set(common.indexOf("--epochs") + 1, "2");
        Path full = dir.resolve("full.spdz");
        Path resumed = dir.resolve("resumed.spdz");
        runPlain(common, full, false, false);
        for (String who : new String[]{"HOLDER0", "HOLDER1", "LABELS"}) {
            assertTrue(Files.exists(dir.resolve("ck-" + who).resolve(who + "-epoch1.ckpt")), who + " saved epoch 1");
            assertTrue(Files.notExists(dir.resolve("ck-" + who).resolve(who + "-epoch2.ckpt")), "none after the last epoch");
        }
        runPlain(common, resumed, true, true);
        for (String name : new String[]{"LABELS.log", "HOLDER0.log", "HOLDER1.log"}) {
            assertTrue(log(name).contains(name.replace(".log", "") + ": going on after epoch 1 of 2, at step 5 of 8"), log(name));
        }
        List<double[]> a = ModelFile.read(full).params();
        List<double[]> b = ModelFile.read(resumed).params();
        assertEquals(a.size(), b.size());
        for (int i = 0; i < a.size(); i++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(a.get(i), b.get(i), 0.0, "parameter " + i);
        }

        List<Process> mixed = List.of(labels(common, "--checkpoint-dir", dir.resolve("ck-LABELS").toString()),
                holder(0, common, "--batch", "32", "--checkpoint-dir", dir.resolve("ck-HOLDER0").toString(), "--resume"),
                holder(1, common, "--batch", "32", "--checkpoint-dir", dir.resolve("ck-HOLDER1").toString(), "--resume"));
        assertAllRefused(mixed, "HOLDER0 was started with --resume and LABELS without it");
    }

    /**
     * With {@code --reconnect 2}, every link through a proxy that drops its connections once each
     * participant saved epoch 1 of 3 (two holders of 640 images, batch 32): all three connect
     * again, go on after epoch 1 and exit 0, and HOLDER0's model is the uninterrupted run's (in
     * one JVM, the same options) bit for bit.
     */
    @Test
    void withReconnectALinkThatDropsMidRunCostsOnlyTheEpochSinceTheLastSavedOne() throws Exception {
        List<String> common = new ArrayList<>(plainRun(30, 1280));
        common.set(common.indexOf("--epochs") + 1, "3");
        common.addAll(List.of("--reconnect", "2"));
        Path config = Path.of(common.get(common.indexOf("--config") + 1));
        Path model = dir.resolve("model.spdz");
        List<String> roles = List.of("LABELS", "HOLDER0", "HOLDER1");
        try (WanLinks links = WanLinks.start(dir, "wan-", config,
                WanLinks.eachItself(SplitTraining.roles(SplitTraining.Where.PLAIN, 2)), 0, 0)) {
            List<Process> all = List.of(
                    labels(through(common, links.config(SplitTraining.LABELS)), "--checkpoint-dir",
                            dir.resolve("ck-LABELS").toString()),
                    holder(0, through(common, links.config(SplitTraining.holder(0))), "--batch", "32", "--checkpoint-dir",
                            dir.resolve("ck-HOLDER0").toString(), "--save-model", model.toString()),
                    holder(1, through(common, links.config(SplitTraining.holder(1))), "--batch", "32", "--checkpoint-dir",
                            dir.resolve("ck-HOLDER1").toString()));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            while (!roles.stream().allMatch(r -> Files.exists(dir.resolve("ck-" + r).resolve(r + "-epoch1.ckpt")))) {
                assertTrue(System.nanoTime() < deadline && all.stream().allMatch(Process::isAlive), "epoch 1 is saved");
                Thread.sleep(20);
            }
            assertTrue(Files.notExists(dir.resolve("ck-LABELS").resolve("LABELS-epoch2.ckpt")), "cut in epoch 2");
            links.cut();
            for (int i = 0; i < all.size(); i++) {
                assertTrue(all.get(i).waitFor(120, TimeUnit.SECONDS), "every process ends");
                assertEquals(0, all.get(i).exitValue(), log(roles.get(i) + ".log"));
            }
        }
        for (String r : roles) {
            String text = log(r + ".log");
            assertTrue(text.contains(r + ": ") && text.contains("connecting again to go on from the newest epoch every "
                    + "participant saved (1 of 2)"), text);
            assertTrue(text.contains(r + ": going on after epoch 1 of 3, at step 41 of 120"), text);
        }
        SplitCommands.Holder parsed = new SplitCommands.Holder();
        new picocli.CommandLine(parsed).parseArgs(withAll(common, "--id", "0", "--images", "x", "--batch", "32"));
        List<double[]> uninterrupted = SplitTraining.run(parsed.split.config(), TestData.rawTrain(), 1280).model();
        List<double[]> saved = ModelFile.read(model).params();
        assertEquals(uninterrupted.size(), saved.size());
        for (int i = 0; i < saved.size(); i++) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(uninterrupted.get(i), saved.get(i), 0.0, "tensor " + i);
        }
    }

    /** {@code common} with {@code --config} set to {@code config} (a process's view of the links). */
    private static List<String> through(List<String> common, Path config) {
        List<String> args = new ArrayList<>(common);
        args.set(args.indexOf("--config") + 1, config.toString());
        return args;
    }

    /** The three processes of a plain run, each saving into {@code ck-<ROLE>}; HOLDER0 writes {@code model}; all exit 0. */
    private void runPlain(List<String> common, Path model, boolean resume, boolean labelsResume) throws Exception {
        String[] again = resume ? new String[]{"--resume"} : new String[0];
        List<Process> all = List.of(
                labels(common, withAll(List.of("--checkpoint-dir", dir.resolve("ck-LABELS").toString()),
                        labelsResume ? again : new String[0])),
                holder(0, common, withAll(List.of("--batch", "32", "--checkpoint-dir", dir.resolve("ck-HOLDER0").toString(),
                        "--save-model", model.toString()), again)),
                holder(1, common, withAll(List.of("--batch", "32", "--checkpoint-dir", dir.resolve("ck-HOLDER1").toString()),
                        again)));
        for (Process p : all) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the run ends");
        }
        for (String name : new String[]{"LABELS.log", "HOLDER0.log", "HOLDER1.log"}) {
            assertEquals(0, all.get(List.of("LABELS.log", "HOLDER0.log", "HOLDER1.log").indexOf(name)).exitValue(), log(name));
        }
    }

    private static String[] withAll(List<String> first, String... more) {
        List<String> all = new ArrayList<>(first);
        all.addAll(List.of(more));
        return all.toArray(new String[0]);
    }

    private String log(String name) throws IOException {
        return processes.log(name);
    }

    @Test
    void aHolderStartedWithAnotherPlanIsRefusedNamingTheOptionAndBothValues() throws Exception {
        List<String> common = plainRun(30);
        List<Process> all = List.of(labels(common), holder(0, common, "--batch", "32"), holder(1, common, "--batch", "16"));
        assertAllRefused(all, "another plan: HOLDER1 runs batch size (--batch) = 16 but LABELS runs 32");
    }

    /** The label holder's and both holders' processes end at the matching, not after a timeout, each log naming {@code why}. */
    private void assertAllRefused(List<Process> all, String why) throws Exception {
        for (Process p : all) {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "refused at the matching, not after a timeout");
            assertNotEquals(0, p.exitValue());
        }
        for (String name : new String[]{"LABELS.log", "HOLDER0.log", "HOLDER1.log"}) {
            assertTrue(log(name).contains(why), name + ": " + log(name));
        }
    }

    @Test
    void aHolderPresentingAnUnknownCertificateIsRefusedAndTheOthersNameIt() throws Exception {
        List<String> common = plainRun(15);
        Path otherKeys = Files.createDirectories(dir.resolve("other"));
        Launcher.writeKeysAndConfig(otherKeys, SplitTraining.roles(SplitTraining.Where.PLAIN, 2), SplitDemoCommand.links(2));
        List<String> strangers = new ArrayList<>(common);
        strangers.set(strangers.indexOf("--keys") + 1, otherKeys.toString());
        Process l = labels(common);
        Process h0 = holder(0, common, "--batch", "32");
        Process h1 = holder(1, strangers, "--batch", "32");
        for (Process p : List.of(l, h0, h1)) {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "every wait has a limit");
            assertNotEquals(0, p.exitValue());
        }
        assertTrue(log("HOLDER1.log").contains("is not the one the configuration names for HOLDER1"), log("HOLDER1.log"));
        assertTrue(log("LABELS.log").contains("HOLDER1"), log("LABELS.log"));
        assertTrue(log("HOLDER0.log").contains("HOLDER1") || log("HOLDER0.log").contains("LABELS"), log("HOLDER0.log"));
    }
}
