package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.data.TestData;

/** {@code --quiet}, {@code --csv} and {@code --plot}, the same on every training command. */
class OutputOptionsTest {
    private static void assertPng(Path png) throws java.io.IOException {
        byte[] image = Files.readAllBytes(png);
        assertTrue(image.length > 1000 && image[1] == 'P' && image[2] == 'N' && image[3] == 'G', "a PNG: " + png);
    }

    /** train --plaintext: a row per step with its cross-entropy, the epoch's accuracy, and the plot of the loss. */
    @Test
    void plaintextTrainingWritesARowPerStepAndPlotsTheLoss(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("steps.csv");
        Path png = dir.resolve("loss.png");
        SpdzRun r = SpdzRun.of("train", "--plaintext", "--data", TestData.dir().toString(), "--train-images", "320", "--epochs", "2",
                "--test-images", "100", "--csv", csv.toString(), "--plot", png.toString(), "--quiet");
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("step,seconds,cross_entropy,test_accuracy", lines.get(0));
        assertEquals(1 + 20, lines.size(), "a row for each of the 20 steps");
        String[] first = lines.get(1).split(",", -1);
        assertEquals("1", first[0]);
        double loss = Double.parseDouble(first[2]);
        assertTrue(loss > 1.5 && loss < 3, "the first step's cross-entropy is near ln 10: " + loss);
        assertFalse(lines.get(10).split(",", -1)[3].isEmpty(), "step 10 ends epoch 1 and is evaluated: " + lines.get(10));
        assertTrue(lines.get(9).split(",", -1)[3].isEmpty(), "step 9 is not evaluated: " + lines.get(9));
        assertPng(png);
        // --quiet: the result line only, no epoch line
        assertFalse(r.out().contains("epoch 1:"), r.out());
        assertEquals(1, r.out().strip().lines().count(), r.out());
        assertTrue(r.out().contains("test accuracy"), r.out());
    }

    /** An existing metrics file is never overwritten: the command stops before training, naming it. */
    @Test
    void anExistingCsvIsRefusedBeforeTheRun(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("steps.csv");
        Files.writeString(csv, "an earlier run's metrics\n");
        SpdzRun r = SpdzRun.of("train", "--plaintext", "--data", TestData.dir().toString(), "--train-images", "320",
                "--test-images", "100", "--csv", csv.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains(csv.toString()) && r.err().contains("exists"), r.err());
        assertEquals("an earlier run's metrics\n", Files.readString(csv));
        assertFalse(r.out().contains("test accuracy"), "nothing trained: " + r.out());
    }

    /** split-train: the label holder's cross-entropy per step; a secure top, which computes none in the clear, refuses --plot. */
    @Test
    void splitTrainingWritesTheLabelHoldersLossAndRefusesAPlotOfALossNobodyKnows(@TempDir Path dir) throws Exception {
        Path csv = dir.resolve("split.csv");
        SpdzRun r = SpdzRun.of("split-train", "--data", TestData.dir().toString(), "--network", "small", "--train-images", "256",
                "--batch", "32", "--epochs", "1", "--test-images", "100", "--csv", csv.toString(), "--no-progress");
        assertEquals(0, r.code(), r.err());
        List<String> lines = Files.readAllLines(csv);
        assertEquals("step,seconds,cross_entropy", lines.get(0));
        assertEquals(1 + 8, lines.size(), String.join("\n", lines));
        for (String line : lines.subList(1, lines.size())) {
            assertTrue(Double.isFinite(Double.parseDouble(line.split(",")[2])), line);
        }
        SpdzRun secure = SpdzRun.of("split-train", "--data", TestData.dir().toString(), "--top", "secure", "--network", "small",
                "--train-images", "256", "--batch", "32", "--plot", dir.resolve("split.png").toString());
        assertNotEquals(0, secure.code());
        assertTrue(secure.err().contains("--plot"), secure.err());
    }
}
