package org.spdz4j.app;

import java.util.concurrent.Callable;
import org.spdz4j.core.transport.Role;
import org.spdz4j.triples.Dealer;
import org.spdz4j.triples.Handshake;
import org.spdz4j.triples.Plan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code spdz dealer}: the trusted dealer process. It never receives a share or an opened value. */
@Command(name = "dealer", mixinStandardHelpOptions = true, description = "Run the dealer of a training run.")
final class DealerCommand implements Callable<Integer> {
    @Mixin
    ProcessOptions process;
    @Mixin
    TrainingOptions training;
    @Mixin
    DealerOptions dealing;

    @Override
    public Integer call() throws Exception {
        training.useBackend();
        TrainingConfig c = training.config();
        Plan plan = TrainingParty.model(c, Role.P0).plan();
        int steps = training.steps();
        return process.run(Role.DEALER, t -> {
            t.limitTensorElements(1); // the dealer receives no tensor at all
            Dealer dealer = new Dealer(plan, t, dealing.seed());
            int first = dealer.setup(steps); // where both parties start: 0, or their common checkpoint
            for (int s = first; s < steps; s++) {
                dealer.produce(s);
            }
            System.out.printf("dealer: produced steps %d..%d; waiting for both parties to finish%n", first, steps - 1);
            Handshake.awaitParties(t, dealing.finishTimeout());
            int produced = Math.max(1, steps - first);
            System.out.printf("dealer: steps %d..%d, busy %.2f s per step; both parties finished%n", first, steps - 1,
                    dealer.busyNanos() / 1e9 / produced);
            return 0;
        });
    }
}
