package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.spdz4j.data.TestData;
import org.spdz4j.federated.FederatedTraining;

/** The federated commands' reports (the protocol's own tests are in the federated module). */
class FedCommandTest {
    /** The command writes the CSV of per-round metrics and the PNG plot. */
    @Test
    void theFedTrainCommandWritesItsCsvAndPlot(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path csv = dir.resolve("rounds.csv");
        java.nio.file.Path png = dir.resolve("accuracy.png");
        int code = Spdz.commandLine().execute("fed-train", "--data", TestData.dir().toString(), "--network", "small",
                "--clients", "3", "--rounds", "2", "--train-images", "960", "--batch", "32", "--test-images", "200",
                "--csv", csv.toString(), "--plot", png.toString());
        assertEquals(0, code);
        List<String> lines = java.nio.file.Files.readAllLines(csv);
        assertEquals(3, lines.size(), "header and two rounds");
        assertTrue(lines.get(2).startsWith("2,3,3,0,"), lines.get(2));
        byte[] image = java.nio.file.Files.readAllBytes(png);
        assertTrue(image.length > 1000 && image[1] == 'P' && image[2] == 'N' && image[3] == 'G', "a PNG");
    }

    /** Each round's row is written as the round ends: a run stopped early keeps its metrics. */
    @Test
    void theMetricsAreWrittenAsEachRoundEnds(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        FedReportOptions report = new FedReportOptions();
        report.output = new OutputOptions();
        report.output.csv = dir.resolve("rounds.csv");
        try (Metrics metrics = report.metrics()) {
            FederatedTraining.RoundListener listener = report.eachRound(metrics);
            listener.after(new FederatedTraining.Round(0, List.of(0, 1), 2, false, 0.5, 100, 1.0, 0.1));
            assertEquals(2, java.nio.file.Files.readAllLines(report.output.csv).size(), "header and round 1");
            listener.after(new FederatedTraining.Round(1, List.of(0, 1), 1, true, 0.5, 100, 1.0, 0.1));
            List<String> lines = java.nio.file.Files.readAllLines(report.output.csv);
            assertEquals(3, lines.size(), "header and rounds 1 and 2");
            assertEquals("2,2,1,1,0.5,100,1,0.1", lines.get(2));
        }
    }
}
