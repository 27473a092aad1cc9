package org.spdz4j.app;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.spdz4j.federated.FederatedTraining;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.FeatureScaling;
import org.spdz4j.layers.ModelFile;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** What the coordinator of a federated run reports: test accuracy per round, the metrics (CSV, PNG), the model. */
final class FedReportOptions {
    @Option(names = "--test-images", defaultValue = "10000", description = "test each round's model on this many images")
    int testImages;
    @Option(names = "--save-model", description = "write the final global model here")
    java.nio.file.Path saveModel;
    @Mixin
    OutputOptions output;

    /** The per-round metrics, opened before the run: the CSV and the PNG of test accuracy against rounds. */
    Metrics metrics() throws IOException {
        return output.metrics("Federated averaging", "test_accuracy", "round", "sampled", "aggregated", "skipped",
                "test_accuracy", "upload_bytes_per_client", "local_seconds", "aggregation_seconds");
    }

    /** What the coordinator does as each round ends: prints its line (unless --quiet) and writes its row. */
    FederatedTraining.RoundListener eachRound(Metrics metrics) {
        return r -> {
            output.say(FederatedTraining.line(r));
            metrics.row(r.round() + 1, r.sampled().size(), r.aggregated(), r.skipped() ? 1 : 0, r.accuracy(),
                    r.uploadBytesPerClient(), r.localSeconds(), r.aggregationSeconds());
        };
    }

    /**
     * The last round's line under --quiet (the others are shown as they end), and the model file
     * where asked for, with the run's {@code classes} and, where one set of statistics
     * standardised every client's CSV, {@code features} (else null).
     */
    void write(FederatedTraining.Config c, InputScaling scaling, FederatedTraining.Result r, List<String> classes,
               FeatureScaling features) throws IOException {
        if (output.quiet && !r.rounds().isEmpty()) {
            System.out.println(FederatedTraining.line(r.rounds().get(r.rounds().size() - 1)));
        }
        if (saveModel != null) {
            new ModelFile(c.network(), scaling, r.model(), classes, features).write(saveModel);
            System.out.println("model written to " + saveModel);
        }
    }

    /** These options for the process that coordinates, paths made absolute. */
    List<String> asArguments() {
        List<String> a = new ArrayList<>(List.of("--test-images", "" + testImages));
        if (saveModel != null) {
            a.addAll(List.of("--save-model", saveModel.toAbsolutePath().toString()));
        }
        a.addAll(output.asArguments(true));
        return a;
    }
}
