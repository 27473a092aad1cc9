package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.split.SplitTraining;

/**
 * The user's own network and data, end to end through the commands: a CSV of two noisy classes
 * with a dense network file, and an RGB image folder with a convolutional one, each trained in
 * MPC (against its float twin), by split learning and by federated learning. The data are made
 * here, small; a working run classifies them well above chance (50%), a broken one near it.
 */
class OwnDataTest {
    @TempDir
    static Path dir;
    private static Path csv;
    private static Path images;
    private static Path dense;
    private static Path conv;

    @BeforeAll
    static void makeData() throws IOException {
        SplittableRandom r = new SplittableRandom(11);   // test data only; nothing here is a share
        csv = Files.createDirectories(dir.resolve("csv"));
        for (String set : new String[]{"train", "test"}) {
            StringBuilder s = new StringBuilder("f1,f2,f3,f4,kind\n");
            for (int i = 0; i < (set.equals("train") ? 320 : 100); i++) {
                int c = i % 2;
                double centre = c == 0 ? -1.5 : 1.5;
                s.append(String.format("%.4f,%.4f,%.4f,%.4f,%s%n", centre + r.nextGaussian(), -centre + r.nextGaussian(),
                        r.nextGaussian(), 100 + 10 * r.nextGaussian(), c == 0 ? "benign" : "malignant"));
            }
            Files.writeString(csv.resolve(set + ".csv"), s.toString());
        }
        images = Files.createDirectories(dir.resolve("images"));
        for (String set : new String[]{"train", "test"}) {
            for (int i = 0; i < (set.equals("train") ? 160 : 40); i++) {
                String cls = i % 2 == 0 ? "reddish" : "bluish";
                BufferedImage img = new BufferedImage(10, 10, BufferedImage.TYPE_INT_RGB);
                for (int y = 0; y < 10; y++) {
                    for (int x = 0; x < 10; x++) {
                        int strong = 120 + r.nextInt(136);
                        int weak = r.nextInt(130);
                        int green = r.nextInt(256);
                        img.setRGB(x, y, i % 2 == 0 ? strong << 16 | green << 8 | weak : weak << 16 | green << 8 | strong);
                    }
                }
                Path f = images.resolve(set).resolve(cls).resolve(String.format("%03d.png", i));
                Files.createDirectories(f.getParent());
                ImageIO.write(img, "png", f.toFile());
            }
        }
        dense = dir.resolve("dense.yaml");
        Files.writeString(dense, """
                # four features, two classes
                input: [4]
                layers:
                  - dense: {in: 4, out: 8}
                  - activation
                  - split
                  - dense: {in: 8, out: 2}
                loss: cross_entropy
                """);
        conv = dir.resolve("rgb.yaml");
        Files.writeString(conv, """
                input: [3, 8, 8]        # the 10x10 images are resized
                layers:
                  - conv2d: {in: 3, out: 4, kernel: 3, padding: 1}
                  - pool
                  - activation
                  - flatten
                  - split
                  - dense: {in: 64, out: 2}
                """);
    }

    private static double lastAccuracy(String out) {
        Matcher m = Pattern.compile("test accuracy ([0-9.]+)%").matcher(out);
        List<Double> all = new ArrayList<>();
        while (m.find()) {
            all.add(Double.parseDouble(m.group(1)));
        }
        assertTrue(!all.isEmpty(), "no test accuracy printed: " + out);
        return all.get(all.size() - 1);
    }

    private static double twinAccuracy(String out) {
        Matcher m = Pattern.compile("float twin: test accuracy ([0-9.]+)%").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }

    /** MPC on the CSV with the dense network file: above 90% and within 3 points of its float twin. */
    @Test
    void aCsvTrainsInMpcLikeItsTwin() {
        trainsInMpcLikeItsTwin(3.0, "--data", csv.toString(), "--label-column", "kind", "--network", dense.toString(),
                "--test-images", "100");
    }

    /** MPC on the RGB image folder with the convolutional network file (3 input channels on shares). */
    @Test
    void anRgbImageFolderTrainsInMpcLikeItsTwin() {
        trainsInMpcLikeItsTwin(5.0, "--data", images.toString(), "--network", conv.toString(), "--test-images", "40");
    }

    /** {@code spdz train} with {@code options} for three epochs: above 90%, within {@code points} of its twin. */
    private static void trainsInMpcLikeItsTwin(double points, String... options) {
        List<String> args = new ArrayList<>(List.of("train", "--epochs", "3", "--batch", "32", "--lr", "0.05", "--twin",
                "--quiet"));
        args.addAll(List.of(options));
        SpdzRun r = SpdzRun.of(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.out() + r.err());
        System.out.print(r.out());
        String mpc = r.out().lines().filter(l -> l.startsWith("MPC:")).findFirst().orElseThrow();
        double accuracy = lastAccuracy(mpc);
        assertTrue(accuracy >= 90, r.out());
        assertEquals(twinAccuracy(r.out()), accuracy, points, r.out());
    }

    /** Split learning (secure top) and federated learning on both: each above 85%. */
    @Test
    void bothTrainBySplitAndFederatedLearning() {
        for (String[] data : new String[][]{{csv.toString(), dense.toString()}, {images.toString(), conv.toString()}}) {
            SpdzRun split = SpdzRun.of("split-train", "--data", data[0], "--label-column", "kind", "--network", data[1],
                    "--top", "secure", "--holders", "2", "--epochs", "3", "--batch", "32", "--lr", "0.05",
                    "--test-images", "100", "--no-progress");
            assertEquals(0, split.code(), split.out() + split.err());
            System.out.print(split.out());
            assertTrue(lastAccuracy(split.out()) >= 85, split.out());
            SpdzRun fed = SpdzRun.of("fed-train", "--data", data[0], "--label-column", "kind", "--network", data[1],
                    "--clients", "2", "--rounds", "3", "--batch", "16", "--test-images", "100", "--no-progress");
            assertEquals(0, fed.code(), fed.out() + fed.err());
            System.out.print(fed.out());
            assertTrue(lastAccuracy(fed.out()) >= 85, fed.out());
        }
    }

    /**
     * The three processes over TLS (spdz demo) on the CSV with the network file, which the
     * parties agree on by its layers; without --train-images the parties refuse to start, since
     * the dealer, who sees no data, would plan MNIST's 60,000 examples.
     */
    @Test
    void theCsvTrainsAsThreeProcesses() throws Exception {
        String out = demo("run", "--train-images", "320", "--epochs", "2", "--batch", "32", "--lr", "0.05",
                "--test-images", "100");
        System.out.print(out);
        assertTrue(out.contains("exit 0"), out);
        assertTrue(lastAccuracy(out) >= 90, out);
        String unplanned = demo("unplanned", "--timeout", "20");
        assertFalse(unplanned.contains("exit 0"), unplanned);
        assertTrue(unplanned.contains("holds 320 training examples, not MNIST's 60,000: give every process --train-images 320"),
                unplanned);
    }

    /**
     * P1's labels number the classes as its data names them and P0's test set as its own: two
     * parties whose data name other classes are refused before the first step, naming both lists.
     */
    @Test
    void partiesWhoseDataNameOtherClassesAreRefused() throws Exception {
        Path other = Files.createDirectories(dir.resolve("csv-other"));
        for (String set : new String[]{"train.csv", "test.csv"}) {
            Files.writeString(other.resolve(set), Files.readString(csv.resolve(set)).replace(",malignant", ",other"));
        }
        Path run = Files.createDirectories(dir.resolve("classes-run"));
        List<String> common = List.of("--config", Launcher.writeKeysAndConfig(run).toString(), "--keys", run.toString(),
                "--timeout", "30", "--label-column", "kind", "--network", dense.toString(), "--train-images", "320",
                "--batch", "32");
        try (TestProcesses processes = new TestProcesses(run)) {
            processes.start(List.of("dealer"), common, "dealer.log");
            Process p1 = processes.start(List.of("party", "--id", "1", "--data", other.toString(), "--no-progress"), common,
                    "P1.log");
            Process p0 = processes.start(List.of("party", "--id", "0", "--data", csv.toString(), "--no-progress"), common,
                    "P0.log");
            assertTrue(p0.waitFor(60, java.util.concurrent.TimeUnit.SECONDS) && p1.waitFor(60, java.util.concurrent.TimeUnit.SECONDS));
            assertNotEquals(0, p0.exitValue());
            assertNotEquals(0, p1.exitValue());
            String log = processes.log("P0.log") + processes.log("P1.log");
            assertTrue(log.contains("classes (the data's, in the model's output order) mismatch: P0 has 'benign, malignant' "
                    + "but P1 has 'benign, other'"), log);
        }
    }

    /** {@code spdz demo} on the CSV as its own process: everything it and P0 printed, then its exit code. */
    private static String demo(String name, String... options) throws Exception {
        return launch("demo", name, options);
    }

    /**
     * {@code spdz COMMAND} (a demo) on the CSV with the dense network as its own process, its run
     * directory {@code dir/NAME}: everything it, P0 and P1 printed, then its exit code.
     */
    private static String launch(String command, String name, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of(command, "--data", csv.toString(), "--label-column", "kind", "--network",
                dense.toString(), "--no-progress", "--dir", dir.resolve(name).toString()));
        args.addAll(List.of(options));
        Path log = dir.resolve(name + ".log");
        Process p = Launcher.start(args, log);
        assertTrue(p.waitFor(180, java.util.concurrent.TimeUnit.SECONDS), "demo " + name + " did not end");
        StringBuilder all = new StringBuilder(Files.readString(log));
        for (String party : new String[]{"P1.log", "dealer.log"}) {
            Path f = dir.resolve(name).resolve(party);
            if (Files.exists(f)) {
                all.append(Files.readString(f));
            }
        }
        return all.append("exit ").append(p.exitValue()).toString();
    }

    /**
     * Split learning as processes on own data: each holder a flat folder of its images (the file
     * names are the sample ids), the label holder a CSV of id and class name; HOLDER0 tests the
     * assembled model on the image folder's test set.
     */
    @Test
    void imageFoldersTrainBySplitLearningAsProcesses() throws Exception {
        Path run = Files.createDirectories(dir.resolve("split-run"));
        StringBuilder labels = new StringBuilder("id,label\n");
        for (String cls : new String[]{"reddish", "bluish"}) {
            try (var files = Files.list(images.resolve("train").resolve(cls))) {
                for (Path f : files.sorted().toList()) {
                    int i = Integer.parseInt(f.getFileName().toString().substring(0, 3));
                    Path holder = Files.createDirectories(run.resolve("holder" + (i % 2)));
                    Files.copy(f, holder.resolve("img" + f.getFileName()));
                    labels.append("img").append(f.getFileName().toString().replace(".png", "")).append(',').append(cls)
                            .append('\n');
                }
            }
        }
        Files.writeString(run.resolve("labels.csv"), labels);
        Path config = Launcher.writeKeysAndConfig(run, SplitTraining.roles(SplitTraining.Where.PLAIN, 2),
                SplitDemoCommand.links(2));
        List<String> common = List.of("--config", config.toString(), "--keys", run.toString(), "--timeout", "60",
                "--pixel-scaling", "unit", "--network", conv.toString(), "--holders", "2", "--epochs", "3", "--batch", "16",
                "--lr", "0.05");
        try (TestProcesses processes = new TestProcesses(run)) {
            List<Process> all = List.of(
                    processes.start(List.of("split-labels", "--no-progress", "--labels", run.resolve("labels.csv").toString()),
                            common, "LABELS.log"),
                    processes.start(List.of("split-holder", "--id", "0", "--images", run.resolve("holder0").toString(),
                            "--test-data", images.toString(), "--test-images", "40"), common, "HOLDER0.log"),
                    processes.start(List.of("split-holder", "--id", "1", "--images", run.resolve("holder1").toString()),
                            common, "HOLDER1.log"));
            for (Process p : all) {
                assertTrue(p.waitFor(180, java.util.concurrent.TimeUnit.SECONDS), "the split run ended");
            }
            String holder0 = processes.log("HOLDER0.log");
            for (int i = 0; i < all.size(); i++) {
                assertEquals(0, all.get(i).exitValue(), holder0 + processes.log("LABELS.log") + processes.log("HOLDER1.log"));
            }
            System.out.print(holder0);
            assertTrue(lastAccuracy(holder0) >= 85, holder0);
        }
    }

    /**
     * The one-command demos on own data: each participant's part is written in the data's own
     * layout (a client's {@code train.csv} of its rows, a holder's CSV file with an id column), and
     * every participant reads its own as a user's process would. (Until 2026-12-07 both demos
     * wrote MNIST's grey 28 x 28 IDX files whatever the data, and refused other networks.)
     */
    @Test
    void theDemosTrainOnTheCsvBySplitAndFederatedLearningAsProcesses() throws Exception {
        demoTrains("fed-demo", "client1/train.csv", "f1,f2,f3,f4,kind", "--clients", "2", "--rounds", "3", "--batch", "16",
                "--deadline", "60", "--pixel-scaling", "unit", "--test-images", "100");
        demoTrains("split-demo", "holder0.csv", "id,f1,f2,f3,f4", "--holders", "2", "--epochs", "3", "--batch", "16", "--lr",
                "0.05", "--pixel-scaling", "unit", "--test-images", "100");
    }

    /** {@code command} on the CSV ends with exit 0 above 85%, having written {@code part} under a header beginning {@code header}. */
    private static void demoTrains(String command, String part, String header, String... options) throws Exception {
        String out = launch(command, command, options);
        System.out.print(out);
        assertTrue(out.endsWith("exit 0"), out);
        assertTrue(lastAccuracy(out) >= 85, out);
        assertTrue(Files.readString(dir.resolve(command).resolve(part)).startsWith(header), part);
    }

    /**
     * A model trained on a CSV keeps its columns' names and statistics: {@code predict --data}
     * scales new rows by them, not by whatever training file sits beside the test file (here one
     * of a shifted population, its columns in another order), and answers as on the original.
     */
    @Test
    void aCsvModelScalesNewRowsByItsOwnTrainingStatistics() throws IOException {
        Path model = dir.resolve("csv-model.spdz");
        SpdzRun trained = SpdzRun.of("train", "--data", csv.toString(), "--label-column", "kind", "--network", dense.toString(),
                "--plaintext", "--epochs", "3", "--batch", "16", "--lr", "0.05", "--save-model", model.toString(), "--no-progress");
        assertEquals(0, trained.code(), trained.err());
        org.spdz4j.layers.ModelFile m = org.spdz4j.layers.ModelFile.read(model);
        assertEquals(List.of("f1", "f2", "f3", "f4"), m.features().columns());
        assertEquals(List.of("benign", "malignant"), m.classes());
        Path shifted = Files.createDirectories(dir.resolve("csv-shifted"));
        StringBuilder rows = new StringBuilder("kind,f4,f3,f2,f1\n");
        for (String line : Files.readAllLines(csv.resolve("train.csv")).subList(1, 81)) {
            String[] v = line.split(",");
            rows.append(v[4]).append(',').append(v[3]).append(',').append(v[2]).append(',')
                    .append(Double.parseDouble(v[1]) - 6).append(',').append(Double.parseDouble(v[0]) + 6).append('\n');
        }
        Files.writeString(shifted.resolve("train.csv"), rows);
        Files.copy(csv.resolve("test.csv"), shifted.resolve("test.csv"));
        double original = predictedAccuracy(model, csv);
        assertTrue(original >= 85, "" + original);
        assertEquals(original, predictedAccuracy(model, shifted), 1.0, "the same rows, scaled by the model's statistics");
    }

    private static double predictedAccuracy(Path model, Path data) {
        SpdzRun r = SpdzRun.of("predict", "--model", model.toString(), "--data", data.toString(), "--label-column", "kind");
        assertEquals(0, r.code(), r.err());
        return lastAccuracy(r.out());
    }

    /** The network's outputs must be the data's classes; a network for images is refused on a CSV. */
    @Test
    void aNetworkThatDoesNotFitTheDataIsRefusedBeforeTraining() throws IOException {
        Path three = dir.resolve("three.yaml");
        Files.writeString(three, "input: [4]\nlayers: [{dense: {in: 4, out: 3}}]\n");
        SpdzRun r = SpdzRun.of("train", "--data", csv.toString(), "--label-column", "kind", "--network", three.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("has 2 classes (benign, malignant) but the network has 3 outputs"), r.err());
        SpdzRun images = SpdzRun.of("train", "--data", csv.toString(), "--label-column", "kind", "--network", conv.toString());
        assertNotEquals(0, images.code());
        assertTrue(images.err().contains("give it [features]"), images.err());
        // MNIST's IDX part for an RGB network: refused before connecting (it was once read as garbage of the right size)
        Path mnist = org.spdz4j.data.TestData.dir();
        SpdzRun holder = SpdzRun.of("split-holder", "--id", "0", "--images", mnist.resolve("t10k-images-idx3-ubyte.gz")
                .toString(), "--ids", writeIds(10_000).toString(), "--network", conv.toString(), "--config", "none.yaml",
                "--pixel-scaling", "unit");
        assertNotEquals(0, holder.code());
        assertTrue(holder.err().contains("holds examples of shape [1, 28, 28] but the network takes [3, 8, 8]"), holder.err());
        SpdzRun demo = SpdzRun.of("split-demo", "--data", mnist.toString(), "--network", conv.toString());
        assertNotEquals(0, demo.code());
        assertTrue(demo.err().contains(mnist + " holds MNIST's IDX files (1 x 28 x 28 images) but the network takes [3, 8, 8]"),
                demo.err());
    }

    /** A file of {@code n} distinct sample ids, one per line. */
    private static Path writeIds(int n) throws IOException {
        Path f = dir.resolve("ids-" + n + ".txt");
        Files.write(f, java.util.stream.IntStream.range(0, n).mapToObj(i -> "s" + i).toList());
        return f;
    }
}
