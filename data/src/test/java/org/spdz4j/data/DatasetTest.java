package org.spdz4j.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.layers.InputScaling;

class DatasetTest {
    @TempDir
    Path dir;

    @Test
    void loadsTheSharedGzippedFilesAndTheSameUncompressed() throws IOException {
        Dataset test = TestData.test();
        assertEquals(10_000, test.size());
        assertEquals(60_000, TestData.train().size());
        assertEquals(7, test.label(0)); // the first test digit of MNIST is a 7
        for (String name : new String[]{"t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
            try (InputStream in = new GZIPInputStream(Files.newInputStream(TestData.dir().resolve(name + ".gz")))) {
                Files.write(dir.resolve(name), in.readAllBytes());
            }
        }
        Dataset raw = Dataset.load(dir, false);
        assertEquals(test.size(), raw.size());
        assertEquals(test.label(9999), raw.label(9999));
        org.junit.jupiter.api.Assertions.assertArrayEquals(test.images(new int[]{123}).values(), raw.scaled(TestData.scaling()).images(new int[]{123}).values());
    }

    @Test
    void eachPartyLoadsOnlyItsHalf() throws IOException {
        Dataset images = Dataset.loadInputs(TestData.dir(), false, Dataset.Layout.MNIST);
        Dataset labels = Dataset.loadLabels(TestData.dir(), false, Dataset.Layout.MNIST);
        assertEquals(10_000, images.size());
        assertEquals(10_000, labels.size());
        assertEquals(7, labels.label(0));
        assertThrows(IllegalStateException.class, () -> images.label(0));
        assertThrows(IllegalStateException.class, () -> labels.images(new int[]{0}));
    }

    @Test
    void badFilesFailNamingTheFileAndTheProblem() throws IOException {
        IOException missing = assertThrows(IOException.class, () -> Dataset.load(dir, true));
        assertTrue(missing.getMessage().contains("train-images-idx3-ubyte") && missing.getMessage().contains("not found"),
                missing.getMessage());

        byte[] labels = {0, 0, 8, 1, 0, 0, 0, 2, 3, 4};
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), labels);
        byte[] header = {0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 28, 0, 0, 0, 28};
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), java.util.Arrays.copyOf(header, 16 + 784)); // one image short
        IOException truncated = assertThrows(IOException.class, () -> Dataset.load(dir, false));
        assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());

        header[3] = 1; // label magic in an image file
        Files.write(dir.resolve("t10k-images-idx3-ubyte"), java.util.Arrays.copyOf(header, 16 + 2 * 784));
        IOException magic = assertThrows(IOException.class, () -> Dataset.load(dir, false));
        assertTrue(magic.getMessage().contains("magic number 2049"), magic.getMessage());
    }

    @Test
    void theOwnerScalesByItsOwnImagesMeanAndDeviationNoConstantsOnThePath() throws IOException {
        Dataset raw = TestData.rawTrain();
        assertThrows(IllegalStateException.class, () -> raw.images(new int[]{0}), "no scaling chosen: refused");
        int n = 200;
        InputScaling s = raw.fitScaling(n);
        double[] unit = raw.scaled(InputScaling.UNIT).images(java.util.stream.IntStream.range(0, n).toArray()).values();
        double sum = 0;
        for (double v : unit) {
            sum += v;
        }
        double mean = sum / unit.length;
        double squares = 0;
        for (double v : unit) {
            squares += (v - mean) * (v - mean);
        }
        assertEquals(mean, s.mean(), 1e-12);
        assertEquals(Math.sqrt(squares / unit.length), s.sd(), 1e-12);
        double[] scaled = raw.scaled(s).images(new int[]{7}).values();
        for (int p = 0; p < 784; p++) {
            assertEquals((unit[7 * 784 + p] - s.mean()) / s.sd(), scaled[p], 1e-12);
        }
        // inverted pixels: the owner's own statistics follow the data
        InputScaling inverted = raw.mapPixels(p -> 255 - p).fitScaling(n);
        assertEquals(1 - s.mean(), inverted.mean(), 1e-12);
        assertEquals(s.sd(), inverted.sd(), 1e-12);
        IllegalArgumentException constant = assertThrows(IllegalArgumentException.class,
                () -> raw.mapPixels(p -> 40).fitScaling(n));
        assertTrue(constant.getMessage().contains("constant"), constant.getMessage());
    }
}
