package org.spdz4j.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/** MNIST from the shared data folder beside the repository (never committed). */
final class TestData {
    private static Mnist train;
    private static Mnist test;

    private TestData() {
    }

    static Path dir() {
        String root = System.getProperty("spdz4j.repoRoot", "..");
        return Path.of(root).resolve("../shared/data/mnist").normalize();
    }

    static synchronized Mnist train() {
        try {
            return train != null ? train : (train = Mnist.load(dir(), true));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static synchronized Mnist test() {
        try {
            return test != null ? test : (test = Mnist.load(dir(), false));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
