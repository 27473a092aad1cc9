package org.spdz4j.app;

import java.nio.file.Path;
import java.util.List;
import org.spdz4j.federated.FederatedTraining;
import picocli.CommandLine.Option;

/**
 * {@code --checkpoint-dir} and {@code --resume} of a federated run: the coordinator saves its
 * state after each round and a run started again goes on from the newest (see
 * {@code RoundCheckpoint}); the other participants are started as for a new run and learn the
 * first round from the coordinator.
 */
final class FedCheckpointOptions {
    @Option(names = "--checkpoint-dir", description = "the coordinator's folder: after each round it saves the global "
            + "model, the server momentum and the next round here (owner-only; the two newest kept)")
    Path dir;
    @Option(names = "--resume", description = "go on from the newest round saved in --checkpoint-dir (start the other "
            + "participants as for a new run; --rounds may be raised, every other option must be the run's)")
    boolean resume;

    /** What the options say. */
    FederatedTraining.Checkpoints checkpoints() {
        return new FederatedTraining.Checkpoints(dir, resume);
    }

    /** The options as they were given, for a command that starts the coordinator's process. */
    List<String> asArguments() {
        return Launcher.checkpointArguments(dir, resume);
    }

    /** Refuses the options at a participant that saves nothing ({@code who}: which one). */
    void refuseAt(String who) {
        if (dir != null || resume) {
            throw new IllegalArgumentException(who + " saves no round: the coordinator (fed-server --id 0) does; give "
                    + "--checkpoint-dir and --resume to it alone");
        }
    }
}
