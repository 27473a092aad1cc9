package org.spdz4j.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Sgd;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code spdz fed-train}: federated averaging with secure aggregation, every participant a thread of this JVM. */
@Command(name = "fed-train", mixinStandardHelpOptions = true,
        description = "Federated averaging in one JVM: clients train locally, P0 and P1 add their updates on shares, "
                + "the coordinator learns only the sum.")
final class FedTrainCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "directory with the MNIST IDX files")
    Path data;
    @Option(names = "--clients", defaultValue = "10")
    int clients;
    @Option(names = "--fraction", defaultValue = "1.0", description = "share of the clients sampled each round")
    double fraction;
    @Option(names = "--rounds", defaultValue = "20")
    int rounds;
    @Option(names = "--local-epochs", defaultValue = "1")
    int localEpochs;
    @Option(names = "--batch", defaultValue = "10")
    int batch;
    @Option(names = "--lr", defaultValue = "0.05")
    double lr;
    @Option(names = "--mu", defaultValue = "0", description = "FedProx's proximal weight (0: FedAvg)")
    double mu;
    @Option(names = "--server-momentum", defaultValue = "0", description = "server momentum beta (0: FedAvg)")
    double beta;
    @Option(names = "--min-clients", defaultValue = "2", description = "fewest clients whose sum may be revealed")
    int minimum;
    @Option(names = "--clip", defaultValue = "10", description = "each update element is clipped to [-clip, clip]")
    double clip;
    @Option(names = "--partition", defaultValue = "iid", description = "iid, dirichlet:ALPHA or shards")
    String partition;
    @Option(names = "--network", defaultValue = "cnn", description = "cnn (conv 1->32, conv 32->64, max pool, "
            + "dense 12544->128, dense 128->10, with ReLU) or small")
    String network;
    @Option(names = "--train-images", defaultValue = "0")
    int trainImages;
    @Option(names = "--test-images", defaultValue = "10000")
    int testImages;
    @Option(names = "--plain", description = "add the updates in the clear (the reference), not on shares")
    boolean plain;
    @Option(names = "--seed", defaultValue = "1")
    long seed;
    @Option(names = "--csv", description = "write per-round metrics here")
    Path csv;
    @Option(names = "--plot", description = "write a PNG of test accuracy against rounds here")
    Path plot;

    static Network network(String name) {
        return switch (name) {
            case "cnn" -> Network.builder().addConv2d(1, 32, 3, 1, 1).addRelu().addConv2d(32, 64, 3, 1, 1).addRelu()
                    .addMaxPool2d(2).addFlatten().addDense(64 * 14 * 14, 128).addRelu().addDense(128, 10).build();
            case "small" -> Network.builder().addConv2d(1, 4, 3, 1, 1).addRelu().addMaxPool2d(2).addFlatten()
                    .addDense(4 * 14 * 14, 10).build();
            default -> throw new IllegalArgumentException("unknown --network '" + name + "' (cnn or small)");
        };
    }

    @Override
    public Integer call() throws Exception {
        // one JVM holds every client's images here, so one scaling is fitted over all of them (clients would agree on one)
        Mnist.Scaled sets = Mnist.loadScaled(data, m -> m.fitScaling(Mnist.imagesUsed(trainImages, m.size())));
        FederatedTraining.Config c = new FederatedTraining.Config(network(network), clients, fraction, rounds, localEpochs,
                batch, new Sgd(lr, 0, 0), mu, beta, minimum, clip, partition, trainImages, seed, !plain, Duration.ofSeconds(600));
        System.out.printf("federated averaging, %s aggregation: %d clients, C=%.2f, E=%d, B=%d, %s; %s%n",
                plain ? "plaintext" : "secure", clients, fraction, localEpochs, batch, partition, c.network().describe());
        FederatedTraining.Result r = FederatedTraining.run(c, sets.train(), sets.test(), testImages,
                FederatedTraining.Faults.NONE);
        for (FederatedTraining.Round round : r.rounds()) {
            System.out.printf("round %3d: %2d clients in%s, test accuracy %.4f, %,d bytes up per client, local %.1f s, "
                            + "aggregation %.2f s%n", round.round() + 1, round.aggregated(), round.skipped() ? " (skipped)" : "",
                    round.accuracy(), round.uploadBytesPerClient(), round.localSeconds(), round.aggregationSeconds());
        }
        if (csv != null) {
            Files.writeString(csv, FederatedTraining.csv(r.rounds()));
        }
        if (plot != null) {
            plot(r.rounds(), plot);
        }
        return 0;
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
