package org.spdz4j.app;

import java.util.concurrent.Callable;
import org.spdz4j.core.transport.Role;
import org.spdz4j.triples.Dealer;
import org.spdz4j.triples.Plan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spdz dealer}: the trusted dealer process. It never receives a share or an opened value. */
@Command(name = "dealer", mixinStandardHelpOptions = true, description = "Run the dealer of a training run.")
final class DealerCommand implements Callable<Integer> {
    @Mixin
    ProcessOptions process;
    @Mixin
    TrainingOptions training;
    @Option(names = "--dealer-seed", description = "32 hex digits: reproducible randomness (default: fresh)")
    String dealerSeed;
    @Option(names = "--start-step", defaultValue = "0", description = "first step to produce (a resumed run)")
    int startStep;

    @Override
    public Integer call() throws Exception {
        training.useBackend();
        TrainingConfig c = training.config();
        Plan plan = TrainingParty.model(c, Role.P0).plan();
        int steps = training.steps();
        return process.run(Role.DEALER, t -> {
            Dealer dealer = new Dealer(plan, t, ProcessOptions.seed(dealerSeed));
            dealer.setup(startStep, Math.max(0, steps - startStep));
            for (int s = startStep; s < steps; s++) {
                dealer.produce(s);
            }
            t.awaitPeersClosed(java.time.Duration.ofHours(48));
            int produced = Math.max(1, steps - startStep);
            System.out.printf("dealer: %d steps, busy %.2f s per step%n", produced, dealer.busyNanos() / 1e9 / produced);
            return 0;
        });
    }
}
