package org.spdz4j.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.spdz4j.data.Dataset;
import org.spdz4j.federated.FederatedTraining;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spdz fed-train}: federated averaging with secure aggregation, every participant a thread of this JVM. */
@Command(name = "fed-train", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Federated averaging in one JVM: clients train locally, P0 and P1 add their updates on shares, "
                + "the coordinator learns only the sum.")
final class FedTrainCommand implements Callable<Integer> {
    @Mixin
    FedOptions fed;
    @Mixin
    FedReportOptions report;
    @Option(names = "--data", required = true, description = "data folder: MNIST's IDX files, image folders train/ and "
            + "test/, or train.csv and test.csv (docs/data.md)")
    Path data;
    @Mixin
    DataOptions dataOptions;
    @Mixin
    FedCheckpointOptions saving;

    @Override
    public Integer call() throws Exception {
        // one JVM holds every client's images here, so one scaling is fitted over all of them (clients would agree on one)
        FederatedTraining.Config c = fed.config();
        Dataset.Scaled sets = Dataset.loadScaled(data, dataOptions.layout(c.network()), fed::scaling);
        DataOptions.requireFits(c.network(), sets.train(), data.toString());
        report.output.say(FederatedTraining.describe(c));
        FederatedTraining.Result r;
        try (Metrics metrics = report.metrics()) {
            r = FederatedTraining.run(c, sets.train(), sets.test(), report.testImages, FederatedTraining.Faults.NONE,
                    report.eachRound(metrics), saving.checkpoints());
        }
        report.write(c, sets.scaling(), r, sets.train().classes(), sets.train().featureScaling());
        return 0;
    }
}
