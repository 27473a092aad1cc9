package org.spdz4j.app;

import java.nio.file.Path;
import java.util.List;
import org.spdz4j.split.SplitTraining;
import picocli.CommandLine.Option;

/**
 * {@code --checkpoint-dir} and {@code --resume} of a split run: every participant that holds
 * state (the holders, the label holder of a plain top, P0 and P1) saves it at the end of each
 * epoch, and a run started again goes on from the newest epoch all of them saved (see {@code
 * SplitCheckpoint}).
 */
final class SplitCheckpointOptions {
    @Option(names = "--checkpoint-dir", description = "save this participant's state (its part of the model and its "
            + "momentum) here at the end of each epoch (owner-only; the two newest kept)")
    Path dir;
    @Option(names = "--resume", description = "go on from the newest epoch that every participant saved (give it to "
            + "every participant that saves, each with its --checkpoint-dir; every other option must be the run's)")
    boolean resume;

    /** What the options say. */
    SplitTraining.Checkpoints checkpoints() {
        return new SplitTraining.Checkpoints(dir, resume);
    }

    /** The options as they were given, for a command that starts a participant's process. */
    List<String> asArguments() {
        return Launcher.checkpointArguments(dir, resume);
    }
}
