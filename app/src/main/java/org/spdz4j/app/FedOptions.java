package org.spdz4j.app;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.spdz4j.data.Dataset;
import org.spdz4j.federated.FederatedTraining;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Networks;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.WeightInit;
import picocli.CommandLine.Option;

/** The public facts of a federated run, as {@code fed-train} and every {@code fed-*} process take them. */
final class FedOptions {
    @Option(names = "--clients", defaultValue = "10", description = "clients (each a share of the training images)")
    int clients;
    @Option(names = "--fraction", defaultValue = "1.0", description = "share of the clients sampled each round")
    double fraction;
    @Option(names = "--rounds", defaultValue = "20", description = "rounds of federated averaging")
    int rounds;
    @Option(names = "--local-epochs", defaultValue = "1", description = "passes of each client over its images per round")
    int localEpochs;
    @Option(names = "--batch", defaultValue = "10", description = "images per local step")
    int batch;
    @Option(names = "--lr", defaultValue = "0.05", description = "the clients' local SGD learning rate")
    double lr;
    @Option(names = "--momentum", defaultValue = "0", description = "the clients' local SGD momentum (reset each round)")
    double momentum;
    @Option(names = "--init", defaultValue = "0.05", description = "initial global weights: a standard deviation "
            + "(N(0, s^2)) or he (N(0, 2/fan-in))")
    String init;
    @Option(names = "--init-from", description = "start the global model from this pretrained model of the run's network "
            + "(a spdz4j model file, or ONNX when it ends in .onnx); its input scaling is kept")
    java.nio.file.Path initFrom;
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
    @Option(names = "--network", defaultValue = "cnn", description = "a network of the catalogue or a network file (docs/networks.md; pool: max, act: relu): "
            + "${spdz.networks}")
    String network;
    @Option(names = "--train-images", defaultValue = "0", description = "the first N training images shared out (0 = all)")
    int trainImages;
    @Option(names = "--plaintext", description = "add the updates in the clear (the reference), not on shares")
    boolean plain;
    @Option(names = "--seed", defaultValue = "1", description = "seeds the initial weights, the partition and the sampling")
    long seed;
    @Option(names = "--deadline", defaultValue = "600", description = "seconds from a round's start the aggregators wait for shares")
    int deadlineSeconds;
    @Option(names = "--no-input-check", description = "secure aggregation without the check on shares of what each client "
            + "sends (every element within the fixed-point headroom, the example count in range; a dealer's randomness, about "
            + "256 comparison bits per value): faster, but one malicious client can then make every round be skipped")
    boolean noInputCheck;
    @Option(names = "--norm-bound", defaultValue = "0", description = "largest L2 norm of a client's update, checked on "
            + "shares with the input check; a client above it is left out (0: no bound)")
    double normBound;
    @Option(names = "--clip-on-shares", description = "with the input check: the aggregators also clip every element of each "
            + "update to [-clip, clip] on shares, whatever the client did (two comparisons per element)")
    boolean clipOnShares;
    @Option(names = "--pixel-scaling", defaultValue = "data", description = "data (fed-train, fed-demo: mean 0, sd 1 over "
            + "the training images); the clients of separate processes must be given one: unit or MEAN,SD")
    String pixelScaling;

    static Network network(String name) {
        return Networks.build(name, Networks.maxPool(), Networks.relu(), false);
    }

    FederatedTraining.Config config() {
        return new FederatedTraining.Config(network(network), clients, fraction, rounds, localEpochs, batch,
                new Sgd(lr, momentum, 0), mu, beta, minimum, clip, partition, trainImages, seed, Pretrained.initialWeights(initFrom, init, network(network), true), !plain,
                Duration.ofSeconds(deadlineSeconds), normBound, clipOnShares, !plain && !noInputCheck);
    }

    /** The scaling of a separate process: given, since each client cannot fit its own. */
    InputScaling givenScaling() {
        if (pixelScaling.equals("data")) {
            throw new IllegalArgumentException("--pixel-scaling: the clients of a federated run scale alike; give unit or MEAN,SD "
                    + "(data is for fed-train and fed-demo, which see every part)");
        }
        return InputScaling.parse(pixelScaling);
    }

    /** The scaling of a run that sees every part: fitted over the images used if 'data'. */
    InputScaling scaling(Dataset train) {
        if (initFrom != null) {   // the pretrained weights expect their own scaling
            return Pretrained.scaling(initFrom);
        }
        return pixelScaling.equals("data") ? train.fitScaling(Dataset.imagesUsed(trainImages, train.size()))
                : InputScaling.parse(pixelScaling);
    }

    /** These options for a child process, the scaling given. */
    List<String> asArguments(InputScaling scaling) {
        List<String> a = new ArrayList<>(List.of("--clients", "" + clients, "--fraction", "" + fraction, "--rounds", "" + rounds,
                "--local-epochs", "" + localEpochs, "--batch", "" + batch, "--lr", "" + lr, "--momentum", "" + momentum,
                "--init", init, "--mu", "" + mu,
                "--server-momentum", "" + beta, "--min-clients", "" + minimum, "--clip", "" + clip, "--partition", partition,
                "--network", Networks.portable(network), "--train-images", "" + trainImages, "--seed", "" + seed, "--deadline", "" + deadlineSeconds, "--norm-bound", "" + normBound,
                "--pixel-scaling", scaling.toString()));
        if (plain) {
            a.add("--plaintext");
        }
        if (clipOnShares) {
            a.add("--clip-on-shares");
        }
        if (noInputCheck) {
            a.add("--no-input-check");
        }
        if (initFrom != null) {
            a.addAll(List.of("--init-from", initFrom.toAbsolutePath().toString()));
        }
        return a;
    }
}
