package org.spdz4j.training;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.transport.Role;

/** A checkpoint that cannot be written names the party, the step, the file's folder and how to go on. */
class CheckpointWriteTest {
    @Test
    void aFailedCheckpointNamesTheStepAndTheFolder(@TempDir Path dir) throws IOException {
        Path notAFolder = Files.writeString(dir.resolve("state"), "a file where the checkpoint folder should be");
        IOException e = assertThrows(IOException.class, () -> Checkpoint.write(notAFolder, Role.P1, 7, new byte[32], List.of()));
        assertTrue(e.getMessage().startsWith("P1: the checkpoint after step 7 failed (") && e.getMessage().contains(
                "the earlier checkpoints in " + notAFolder + " are kept: free space, then --resume from them"), e.getMessage());
    }
}
