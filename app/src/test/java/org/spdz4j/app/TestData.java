package org.spdz4j.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.spdz4j.layers.InputScaling;

/**
 * MNIST from the shared data folder beside the repository (never committed). {@link #train()}
 * and {@link #test()} are scaled by the mean and standard deviation of all 60,000 training
 * images; {@link #train(TrainingOptions)} as the commands scale it for those options.
 */
final class TestData {
    private static Mnist raw;
    private static Mnist rawTest;
    private static InputScaling all;

    private TestData() {
    }

    static Path dir() {
        String root = System.getProperty("spdz4j.repoRoot", "..");
        return Path.of(root).resolve("../shared/data/mnist").normalize();
    }

    /** The training images and labels, unscaled. */
    static synchronized Mnist rawTrain() {
        try {
            return raw != null ? raw : (raw = Mnist.load(dir(), true));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Mean and standard deviation of all 60,000 training images' pixels / 255. */
    static synchronized InputScaling scaling() {
        return all != null ? all : (all = rawTrain().fitScaling(rawTrain().size()));
    }

    static Mnist train() {
        return rawTrain().scaled(scaling());
    }

    /** The training set scaled as a command run with {@code o} scales it. */
    static Mnist train(TrainingOptions o) {
        return rawTrain().scaled(o.scaling(rawTrain()));
    }

    /** The test images and labels, unscaled. */
    static synchronized Mnist rawTest() {
        try {
            return rawTest != null ? rawTest : (rawTest = Mnist.load(dir(), false));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Mnist test() {
        return rawTest().scaled(scaling());
    }
}
