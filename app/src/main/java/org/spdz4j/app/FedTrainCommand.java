package org.spdz4j.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code spdz fed-train}: federated averaging with secure aggregation, every participant a thread of this JVM. */
@Command(name = "fed-train", mixinStandardHelpOptions = true,
        description = "Federated averaging in one JVM: clients train locally, P0 and P1 add their updates on shares, "
                + "the coordinator learns only the sum.")
final class FedTrainCommand implements Callable<Integer> {
    @Mixin
    FedOptions fed;
    @Option(names = "--data", required = true, description = "directory with the MNIST IDX files")
    Path data;
    @Option(names = "--test-images", defaultValue = "10000")
    int testImages;
    @Option(names = "--csv", description = "write per-round metrics here")
    Path csv;
    @Option(names = "--plot", description = "write a PNG of test accuracy against rounds here")
    Path plot;

    @Override
    public Integer call() throws Exception {
        // one JVM holds every client's images here, so one scaling is fitted over all of them (clients would agree on one)
        Mnist.Scaled sets = Mnist.loadScaled(data, fed::scaling);
        FederatedTraining.Config c = fed.config();
        System.out.println(FederatedTraining.describe(c));
        FederatedTraining.Result r = FederatedTraining.run(c, sets.train(), sets.test(), testImages,
                FederatedTraining.Faults.NONE);
        r.rounds().forEach(round -> System.out.println(FederatedTraining.line(round)));
        writeOutputs(r.rounds(), csv, plot);
        return 0;
    }

    /** The CSV of per-round metrics and the PNG of accuracy against rounds, where asked for. */
    static void writeOutputs(List<FederatedTraining.Round> rounds, Path csv, Path plot) throws java.io.IOException {
        if (csv != null) {
            Files.writeString(csv, FederatedTraining.csv(rounds));
        }
        if (plot != null) {
            plot(rounds, plot);
        }
    }

    /** Test accuracy against rounds, as a PNG (XChart). */
    static void plot(List<FederatedTraining.Round> rounds, Path png) throws java.io.IOException {
        XYChart chart = new XYChartBuilder().width(640).height(400).title("Federated averaging")
                .xAxisTitle("round").yAxisTitle("test accuracy").build();
        chart.addSeries("accuracy", rounds.stream().mapToDouble(r -> r.round() + 1).toArray(),
                rounds.stream().mapToDouble(FederatedTraining.Round::accuracy).toArray());
        String name = png.toString().endsWith(".png") ? png.toString().substring(0, png.toString().length() - 4) : png.toString();
        BitmapEncoder.saveBitmap(chart, name, BitmapEncoder.BitmapFormat.PNG);
    }
}
