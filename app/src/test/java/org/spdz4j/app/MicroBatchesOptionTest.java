package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.spdz4j.training.TrainingConfig;
import picocli.CommandLine;

/** {@code --micro-batches}: a count that divides the batch, or 'auto'; anything else refused before a run starts. */
class MicroBatchesOptionTest {
    private static TrainingOptions parsed(String... args) {
        TrainingOptions o = new TrainingOptions();
        new CommandLine(o).parseArgs(args);
        return o;
    }

    @Test
    void autoIsPassedOnComparedByNameAndLeftToTheParties() {
        TrainingOptions o = parsed("--micro-batches", "auto", "--batch", "128");
        assertEquals(TrainingConfig.AUTO_MICRO_BATCHES, o.config().microBatches());
        assertEquals("auto", o.agreements().get("micro-batches (--micro-batches)"));
        int at = o.asArguments().indexOf("--micro-batches");
        assertEquals("auto", o.asArguments().get(at + 1), "the demo's processes get 'auto' too");
        assertEquals(4, parsed("--micro-batches", "4", "--batch", "128").config().microBatches());
        assertEquals(TrainingConfig.AUTO_MICRO_BATCHES, parsed().config().microBatches(), "the default: auto");
    }

    @Test
    void zeroAWordOrACountThatDoesNotDivideTheBatchIsRefusedNamingIt() {
        for (String bad : new String[]{"0", "-2", "four"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> parsed("--micro-batches", bad).config());
            assertTrue(e.getMessage().contains("--micro-batches takes a number from 1 or 'auto', not '" + bad + "'"),
                    e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> parsed("--micro-batches", "3", "--batch", "32").config());
        assertTrue(e.getMessage().contains("--micro-batches must be at least 1 and divide the batch of 32, got 3"),
                e.getMessage());
    }
}
