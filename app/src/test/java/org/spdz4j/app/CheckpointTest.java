package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.transport.Role;
import picocli.CommandLine;

class CheckpointTest {
    private static final byte[] DEALER_SEED = new byte[16];
    private static final byte[] INPUT_SEED = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

    @TempDir
    Path dir;

    private static TrainingConfig config() {
        TrainingOptions o = new TrainingOptions();
        new CommandLine(o).parseArgs("--network", "small", "--batch", "32", "--train-images", "192");
        return o.config();
    }

    @Test
    void aResumedRunEndsWithExactlyTheModelOfAnUninterruptedOne() throws IOException {
        TrainingConfig c = config();
        int[][] all = LocalTraining.batches(c, TestData.train().size());
        assertEquals(6, all.length);
        LocalTraining.Result uninterrupted = LocalTraining.run(c, TestData.train(), s -> { }, DEALER_SEED, INPUT_SEED,
                all, 0, null);

        TrainingParty.Checkpointing ck = new TrainingParty.Checkpointing(dir, 2);
        LocalTraining.run(c, TestData.train(), s -> { }, DEALER_SEED, INPUT_SEED, Arrays.copyOf(all, 4), 0, ck); // "crash" after 4
        assertEquals(4, Checkpoint.nextStep(dir, Role.P0));
        assertEquals(4, Checkpoint.nextStep(dir, Role.P1));
        LocalTraining.Result resumed = LocalTraining.run(c, TestData.train(), s -> { }, DEALER_SEED, INPUT_SEED, all, 4, ck);

        assertEquals(2, resumed.steps());
        for (int i = 0; i < uninterrupted.model().size(); i++) {
            assertArrayEquals(uninterrupted.model().get(i), resumed.model().get(i), "parameter " + i);
        }
        assertEquals(6, Checkpoint.nextStep(dir, Role.P0));
    }

    @Test
    void aCorruptCheckpointIsRefused() throws IOException {
        TrainingConfig c = config();
        int[][] two = Arrays.copyOf(LocalTraining.batches(c, TestData.train().size()), 2);
        LocalTraining.run(c, TestData.train(), s -> { }, DEALER_SEED, INPUT_SEED, two, 0,
                new TrainingParty.Checkpointing(dir, 1));
        Path f = Checkpoint.file(dir, Role.P1);
        byte[] b = Files.readAllBytes(f);
        b[b.length / 2] ^= 4;
        Files.write(f, b);
        IOException e = assertThrows(IOException.class, () -> Checkpoint.nextStep(dir, Role.P1));
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }
}
