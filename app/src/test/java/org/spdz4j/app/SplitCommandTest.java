package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.spdz4j.data.TestData;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Networks;

/** The split commands as README runs them (the protocol's own tests are in the split module). */
class SplitCommandTest {
    private static final Network NET = Networks.build("small", Networks.maxPool(), Networks.relu(), true);

    /** The command, as README runs it, on a few steps: accuracy, the traffic table, a model {@code predict} reads. */
    @Test
    void theSplitTrainCommandRunsSecureModeAndWritesAModelThatPredictReads(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws java.io.IOException {
        java.nio.file.Path model = dir.resolve("split.spdz");
        SpdzRun r = SpdzRun.of("split-train", "--data", TestData.dir().toString(), "--top", "secure", "--network", "small",
                "--train-images", "256", "--batch", "32", "--epochs", "1", "--test-images", "100", "--save-model", model.toString());
        String text = r.out();
        assertEquals(0, r.code(), text + r.err());
        assertTrue(text.contains("test accuracy") && text.contains("HOLDER1") && text.contains("LABELS"), text);
        assertEquals(NET.describe(), org.spdz4j.layers.ModelFile.read(model).network().describe());
    }
}
