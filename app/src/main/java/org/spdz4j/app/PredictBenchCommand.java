package org.spdz4j.app;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.data.Dataset;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.Initializer;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Networks;
import org.spdz4j.layers.Sgd;
import org.spdz4j.layers.SharedModel;
import org.spdz4j.prediction.PredictionBenchmark;
import org.spdz4j.prediction.PredictionServer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spdz predict-bench}: private prediction's latency, throughput and communication per
 * request size, each request one session in this JVM.
 */
@Command(name = "predict-bench", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Private prediction's cost per request size: latency, inputs per second, online, dealer and client "
                + "bytes per input, rounds per batch (servers, dealer and client as threads of this JVM).")
final class PredictBenchCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "a data folder whose test inputs are sent (MNIST's IDX files)")
    Path data;
    @Option(names = "--network", defaultValue = "narrow", description = "a network of the catalogue or a network file")
    String network;
    @Option(names = "--activation", defaultValue = "relu", description = "relu or poly")
    String activation;
    @Option(names = "--pool", defaultValue = "max", description = "max or avg")
    String pool;
    @Option(names = "--sizes", defaultValue = "1,10,100,1000", split = ",", description = "inputs per request")
    List<Integer> sizes;
    @Option(names = "--batch", defaultValue = "100", description = "the largest batch; a smaller request is one batch of its size")
    int batch;
    @Option(names = "--probabilities", description = "the client also asks for the class probabilities")
    boolean probabilities;
    @Option(names = "--rtts", defaultValue = "0", split = ",", description = "round trips in ms: every request size at "
            + "each, every link (servers, dealer, client) delayed half of it each way in the in-memory transport")
    List<Integer> rtts;
    @Option(names = "--bandwidth", defaultValue = "0", description = "each link's bandwidth in Mbit/s each way with "
            + "--rtts (0: unlimited)")
    int bandwidth;
    @Option(names = "--pool-relu", defaultValue = "auto", description = "how a batch of up to 8 inputs runs each max pool "
            + "and its ReLU: auto (by the servers' measured one-way time), all_pairs (fewest rounds) or tournament "
            + "(fewest bytes)")
    PredictionServer.PoolReluChoice poolRelu;

    @Override
    public Integer call() throws Exception {
        if (bandwidth < 0 || rtts.stream().anyMatch(r -> r < 0)) {
            throw new IllegalArgumentException("--rtts and --bandwidth take milliseconds and Mbit/s, none negative: got "
                    + rtts + " and " + bandwidth);
        }
        Network net = Networks.build(network, Networks.pooling(pool), Networks.activation(activation), false);
        // the weights do not change the cost: the network's public initial weights, shared as a trained model would be
        FloatModel m = FloatModel.create(net, net.batchShape(1), new Initializer(1, 0.05), new Sgd(0, 0, 0));
        SharedModel[] halves = SharedModel.split(net, InputScaling.UNIT, m.paramValues(), FixedPoint.DEFAULT);
        Dataset test = Dataset.load(data, false, Dataset.Layout.of(net.input())).scaled(InputScaling.UNIT);
        int[] idx = new int[Math.min(1000, test.size())];
        for (int i = 0; i < idx.length; i++) {
            idx[i] = i;
        }
        double[] pool = test.images(idx).values();
        System.out.printf("private prediction, %s network (%s, %s)%s; each request one session: P0, P1, the dealer and the "
                + "client as threads of this JVM (%d cores)%n", network, activation, this.pool, probabilities
                ? ", with probabilities" : "", Runtime.getRuntime().availableProcessors());
        warmUp(halves, net, pool);
        System.out.println(PredictionBenchmark.header("x the float model", "round trip, ms"));
        for (int rtt : rtts) {
            for (int n : sizes) {
                PredictionBenchmark r = PredictionBenchmark.measure(halves[0], halves[1], net.input(), pool, n,
                        Math.min(n, batch), probabilities, java.time.Duration.ofNanos(rtt * 500_000L), bandwidth * 1_000_000L,
                        poolRelu);
                System.out.printf(java.util.Locale.ROOT, "%s %.0f | %d%s |%n", r.row(),
                        r.seconds() / plaintextSeconds(net, m, pool, n), rtt, bandwidth > 0 ? " at " + bandwidth + " Mbit/s" : "");
            }
        }
        System.out.println("latency: from the client's start to its answers, the session's setup and the dealer's "
                + "material included; x the float model: that latency over the same inputs' forward pass in the clear, "
                + "measured here in the same run; round trip: every link's, emulated in the in-memory transport");
        return 0;
    }

    /**
     * Sessions not reported, so that the JIT has compiled what the rows run: twice each request
     * size (at most 10 inputs, each size once however many rows cap to it), each way a small
     * batch may run its max pools.
     */
    private void warmUp(SharedModel[] halves, Network net, double[] pool) {
        java.util.TreeSet<Integer> warm = new java.util.TreeSet<>();
        sizes.forEach(n -> warm.add(Math.min(Math.min(n, batch), 10)));
        for (int k : warm) {
            for (PredictionServer.PoolReluChoice p : poolRelu.candidates(k)) {
                for (int i = 0; i < 2; i++) {
                    PredictionBenchmark.measure(halves[0], halves[1], net.input(), pool, k, k, probabilities,
                            java.time.Duration.ZERO, 0, p);
                }
            }
        }
    }

    /**
     * Seconds of the float model's forward pass over {@code n} of the inputs, in batches of
     * {@code --batch}: the reference (the model built and warmed up before the clock starts).
     */
    private double plaintextSeconds(Network net, FloatModel m, double[] pool, int n) {
        int size = net.input().size();
        int k = Math.min(batch, n);
        FloatModel f = FloatModel.create(net, net.batchShape(k), new Initializer(1, 0.05), new Sgd(0, 0, 0));
        f.load(m.paramValues());
        double[] v = new double[k * size];
        org.spdz4j.layers.FloatTensor x = new org.spdz4j.layers.FloatTensor(net.batchShape(k), v);
        f.forward(x);
        long start = System.nanoTime();
        for (int done = 0; done < n; done += k) {
            for (int i = 0; i < k; i++) {
                System.arraycopy(pool, ((done + i) % (pool.length / size)) * size, v, i * size, size);
            }
            f.forward(x);
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
