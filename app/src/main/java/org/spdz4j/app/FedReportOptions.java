package org.spdz4j.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.spdz4j.federated.FederatedTraining;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.ModelFile;
import picocli.CommandLine.Option;

/** What the coordinator of a federated run reports: test accuracy per round, the CSV, the plot, the model. */
final class FedReportOptions {
    @Option(names = "--test-images", defaultValue = "10000", description = "test each round's model on this many images")
    int testImages;
    @Option(names = "--csv", description = "write per-round metrics here")
    Path csv;
    @Option(names = "--plot", description = "write a PNG of test accuracy against rounds here (XChart)")
    Path plot;
    @Option(names = "--save-model", description = "write the final global model here")
    Path saveModel;

    /**
     * What the coordinator does as each round ends: prints its line and rewrites the CSV and the
     * PNG with every round so far, so a run stopped early keeps its metrics.
     */
    FederatedTraining.RoundListener eachRound() {
        List<FederatedTraining.Round> so = new ArrayList<>();
        return round -> {
            System.out.println(FederatedTraining.line(round));
            so.add(round);
            try {
                writeRounds(so);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException("writing the per-round metrics", e);
            }
        };
    }

    /** The CSV, the PNG and the model file, where asked for. */
    void write(FederatedTraining.Config c, InputScaling scaling, FederatedTraining.Result r) throws IOException {
        writeRounds(r.rounds());
        if (saveModel != null) {
            ModelFile.write(saveModel, c.network(), scaling, r.model());
            System.out.println("model written to " + saveModel);
        }
    }

    private void writeRounds(List<FederatedTraining.Round> rounds) throws IOException {
        if (csv != null) {
            Files.writeString(csv, FederatedTraining.csv(rounds));
        }
        if (plot != null) {
            plot(rounds, plot);
        }
    }

    /** These options for the process that coordinates, paths made absolute. */
    List<String> asArguments() {
        List<String> a = new ArrayList<>(List.of("--test-images", "" + testImages));
        for (Object[] o : new Object[][]{{"--csv", csv}, {"--plot", plot}, {"--save-model", saveModel}}) {
            if (o[1] != null) {
                a.addAll(List.of((String) o[0], ((Path) o[1]).toAbsolutePath().toString()));
            }
        }
        return a;
    }

    /** Test accuracy against rounds, as a PNG (XChart: a kept plotting library that renders headless). */
    static void plot(List<FederatedTraining.Round> rounds, Path png) throws IOException {
        XYChart chart = new XYChartBuilder().width(640).height(400).title("Federated averaging")
                .xAxisTitle("round").yAxisTitle("test accuracy").build();
        chart.addSeries("accuracy", rounds.stream().mapToDouble(r -> r.round() + 1).toArray(),
                rounds.stream().mapToDouble(FederatedTraining.Round::accuracy).toArray());
        String name = png.toString().endsWith(".png") ? png.toString().substring(0, png.toString().length() - 4) : png.toString();
        BitmapEncoder.saveBitmap(chart, name, BitmapEncoder.BitmapFormat.PNG);
    }
}
