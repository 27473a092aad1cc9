package org.spdz4j.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.spdz4j.layers.InputScaling;

/**
 * MNIST from the shared data folder beside the repository (never committed). {@link #train()}
 * and {@link #test()} are scaled by the mean and standard deviation of all 60,000 training
 * images; Shared with the modes' tests (this module's test jar).
 */
public final class TestData {
    private static Dataset raw;
    private static Dataset rawTest;
    private static InputScaling all;

    private TestData() {
    }

    public static Path dir() {
        String root = System.getProperty("spdz4j.repoRoot", "..");
        return Path.of(root).resolve("../shared/data/mnist").normalize();
    }

    /** The training images and labels, unscaled. */
    public static synchronized Dataset rawTrain() {
        try {
            return raw != null ? raw : (raw = Dataset.load(dir(), true));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Mean and standard deviation of all 60,000 training images' pixels / 255. */
    public static synchronized InputScaling scaling() {
        return all != null ? all : (all = rawTrain().fitScaling(rawTrain().size()));
    }

    public static Dataset train() {
        return rawTrain().scaled(scaling());
    }

    /** The test images and labels, unscaled. */
    public static synchronized Dataset rawTest() {
        try {
            return rawTest != null ? rawTest : (rawTest = Dataset.load(dir(), false));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Dataset test() {
        return rawTest().scaled(scaling());
    }
}
