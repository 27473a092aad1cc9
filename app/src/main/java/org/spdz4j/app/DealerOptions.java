package org.spdz4j.app;

import java.time.Duration;
import picocli.CommandLine.Option;

/** What a dealer process takes beyond the run's facts: its seed and how long it waits for the parties to finish. */
final class DealerOptions {
    @Option(names = "--dealer-seed", description = "32 hex digits: reproducible randomness (default: fresh)")
    String dealerSeed;
    @Option(names = "--finish-timeout", defaultValue = "172800",
            description = "seconds to wait, after the last step is produced, for both parties to finish")
    int finishTimeoutSeconds;

    byte[] seed() {
        return ProcessOptions.seed(dealerSeed);
    }

    Duration finishTimeout() {
        return Duration.ofSeconds(finishTimeoutSeconds);
    }
}
