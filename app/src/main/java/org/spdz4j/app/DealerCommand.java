package org.spdz4j.app;

import java.util.concurrent.Callable;
import org.spdz4j.core.transport.Role;
import org.spdz4j.net.NettyTransport;
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

    @Override
    public Integer call() throws Exception {
        TrainingConfig c = training.config();
        Plan plan = TrainingParty.model(c, Role.P0).plan();
        int steps = training.steps();
        try (NettyTransport t = process.connect(Role.DEALER)) {
            Dealer dealer = new Dealer(plan, t, ProcessOptions.seed(dealerSeed));
            dealer.setup();
            for (int s = 0; s < steps; s++) {
                dealer.produce(s);
            }
            t.awaitPeersClosed(java.time.Duration.ofHours(48));
            System.out.printf("dealer: %d steps, busy %.2f s per step%n", steps, dealer.busyNanos() / 1e9 / steps);
        }
        return 0;
    }
}
