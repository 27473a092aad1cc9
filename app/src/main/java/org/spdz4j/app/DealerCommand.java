package org.spdz4j.app;

import java.util.concurrent.Callable;
import org.spdz4j.core.transport.Role;
import org.spdz4j.training.TrainingConfig;
import org.spdz4j.training.TrainingRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spdz dealer}: the trusted dealer process. It never receives a share or an opened value. */
@Command(name = "dealer", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Run the dealer of a training run.")
final class DealerCommand implements Callable<Integer> {
    @Mixin
    ProcessOptions process;
    @Mixin
    TrainingOptions training;
    @Mixin
    DealerOptions dealing;
    @Mixin
    DataOptions ignoredDataOptions; // accepted and ignored, as --data
    @Option(names = "--data", description = "accepted and ignored (the dealer sees no data): the parties' options can be passed as they are")
    java.nio.file.Path data;
    @Option(names = "--test-images", description = "accepted and ignored (the dealer sees no data)")
    Integer testImages;
    @Option(names = {"--no-progress", "--quiet"}, description = "accepted and ignored (the dealer shows no progress bar)")
    boolean quiet;
    @Mixin
    ReconnectOptions reconnect;

    @Override
    public Integer call() throws Exception {
        training.useBackend();
        TrainingConfig c = training.config(false);
        int steps = training.steps(TrainingOptions.MNIST_TRAIN_SIZE);
        return reconnect.run(Role.DEALER, ReconnectOptions.TRAINING, body -> process.run(Role.DEALER, body), t -> {
            t.limitTensorElements(1); // the dealer receives no tensor at all
            // where the parties start again, from a checkpoint both hold: fresh randomness (or the seed's again)
            TrainingRun.DealerResult r = TrainingRun.dealer(t, c, steps, dealing.seed(), dealing.finishTimeout(), first ->
                    System.out.printf("dealer: produced steps %d..%d; waiting for both parties to finish%n", first, steps - 1));
            System.out.printf("dealer: steps %d..%d, busy %.2f s per step; both parties finished%n", r.firstStep(), steps - 1,
                    r.busySeconds());
            return 0;
        }, () -> { });
    }
}
