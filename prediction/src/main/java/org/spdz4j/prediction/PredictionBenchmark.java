package org.spdz4j.prediction;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.TrafficCounter.Direction;
import org.spdz4j.layers.SecureClassifier;
import org.spdz4j.layers.SharedModel;

/**
 * What private prediction costs per request and per input: one session per request (the two
 * servers, the dealer and one client as threads of this JVM, {@link LocalPrediction}), measured
 * from its counters. The command is {@code spdz predict-bench}.
 *
 * <pre>{@code
 * PredictionBenchmark.Row r = PredictionBenchmark.measure(p0, p1, Shape.of(1, 28, 28), pixels, 100, 100, false);
 * System.out.println(r.row());
 * }</pre>
 *
 * @param inputs        inputs in the request
 * @param batch         inputs per batch
 * @param batches       batches computed
 * @param seconds       the request's wall time, from the session's start to the client's answers (the
 *                      session's setup, the dealer's material and every batch included; not the client's
 *                      word that it has them and the servers' to the dealer, which end the session later)
 * @param compute       the servers' time in the batches alone
 * @param onlineBytes   bytes P0 and P1 sent each other, per input
 * @param rounds        P0's rounds, per batch
 * @param dealerBytes   bytes the dealer sent, per input
 * @param clientBytes   bytes the client sent and received, per input
 * @param poolRelu      how the batches ran each max pool and its ReLU: all pairs, a tournament, or apart (a batch
 *                      above {@link SecureClassifier#FUSED_UP_TO})
 */
public record PredictionBenchmark(int inputs, int batch, int batches, double seconds, double compute, double onlineBytes,
                                  double rounds, double dealerBytes, double clientBytes, String poolRelu) {
    private static final Role CLIENT = Role.parse("CLIENT0");

    /** One request of {@code n} of the inputs in {@code pool} (raw values, inputs of shape {@code example}, cycled). */
    public static PredictionBenchmark measure(SharedModel p0, SharedModel p1, Shape example, double[] pool, int n, int batch,
                                              boolean probabilities) {
        return measure(p0, p1, example, pool, n, batch, probabilities, Duration.ZERO, 0, PredictionServer.PoolReluChoice.AUTO);
    }

    /**
     * As {@link #measure(SharedModel, SharedModel, Shape, double[], int, int, boolean)}, every link
     * (the servers', the dealer's and the client's) across an emulated WAN of {@code oneWay} each
     * way and {@code bitsPerSecond} (0: unlimited), small batches running their max pools and
     * ReLUs as {@code poolRelu} says.
     */
    public static PredictionBenchmark measure(SharedModel p0, SharedModel p1, Shape example, double[] pool, int n, int batch,
                                              boolean probabilities, Duration oneWay, long bitsPerSecond,
                                              PredictionServer.PoolReluChoice poolRelu) {
        int size = example.size();
        double[] values = new double[n * size];
        for (int i = 0; i < n; i++) {
            int from = (i % (pool.length / size)) * size;
            System.arraycopy(pool, from, values, i * size, size);
        }
        LocalPrediction.Result r = LocalPrediction.run(p0, p1, new PredictionServer.Options(batch, n, poolRelu),
                Map.of(CLIENT, values),
                example, probabilities, oneWay, bitsPerSecond);
        double seconds = r.answeredIn().get(CLIENT).toNanos() / 1e9;
        TrafficCounter t0 = r.traffic().get(Role.P0);
        TrafficCounter client = r.traffic().get(CLIENT);
        double online = t0.total(Role.P1, Direction.SENT).bytes() + t0.total(Role.P1, Direction.RECEIVED).bytes();
        double clientBytes = Arrays.stream(Direction.values()).mapToDouble(d -> client.total(d).bytes()).sum();
        int batches = r.session().batches();
        return new PredictionBenchmark(n, batch, batches, seconds, r.session().seconds(), online / n,
                (double) t0.rounds() / batches, r.traffic().get(Role.DEALER).total(Direction.SENT).bytes() / (double) n,
                clientBytes / n, batch > SecureClassifier.FUSED_UP_TO ? "apart"
                        : r.session().poolRelu().toString().toLowerCase(Locale.ROOT).replace('_', ' '));
    }

    /** The header of {@link #row()}'s table, with {@code more} columns a caller appends to each row. */
    public static String header(String... more) {
        StringBuilder b = new StringBuilder("| inputs | batch | latency, s | inputs per s | servers' compute, s | ms per input "
                + "| online KB per input | rounds per batch | dealer KB per input | client KB per input | max pool and ReLU |");
        for (String column : more) {
            b.append(' ').append(column).append(" |");
        }
        b.append("\n|").append(" ---: |".repeat(11 + more.length));
        return b.toString();
    }

    /** This measurement as a Markdown table row. */
    public String row() {
        return String.format(Locale.ROOT, "| %,d | %d | %.3f | %.1f | %.3f | %.1f | %.1f | %.0f | %.1f | %.1f | %s |", inputs,
                batch, seconds, inputs / seconds, compute, 1000 * seconds / inputs, onlineBytes / 1024, rounds,
                dealerBytes / 1024, clientBytes / 1024, poolRelu);
    }
}
