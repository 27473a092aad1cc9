package org.spdz4j.app;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.spdz4j.data.Dataset;
import org.spdz4j.layers.Networks;
import org.spdz4j.split.SplitBenchmark;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code spdz split-bench}: what one step of split learning costs, per step and per sample at the
 * cut, for each mode and batch size: a short {@code split-train} run (every participant a thread,
 * two holders in round robin) of each, measured from the run's counters.
 */
@Command(name = "split-bench", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Split learning's cost per step and per sample at the cut, plain and secure, for each batch size: "
                + "seconds, bytes each way, rounds, and the holder's compute against the top's.")
final class SplitBenchCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "directory with the MNIST IDX files")
    Path data;
    @Option(names = "--network", defaultValue = "tutorial", description = "a network of the catalogue or a network file (docs/networks.md), cut at its split: ${spdz.networks}")
    String network;
    @Option(names = "--steps", defaultValue = "4", description = "steps of each of the two holders per run")
    int steps;
    @Option(names = "--batches", defaultValue = "64,128", split = ",", description = "batch sizes")
    List<Integer> batches;
    @Option(names = "--modes", defaultValue = "plain,secure", split = ",", description = "plain and/or secure")
    List<String> modes;


    @Override
    public Integer call() throws Exception {
        if (steps < 1) {
            throw new IllegalArgumentException("--steps must be at least 1, got " + steps);
        }
        Dataset train = Dataset.load(data, true);
        System.out.printf("split learning, %s network, %d holders in round robin, %d steps each; per step: the run's wall "
                + "time over its steps (setup included)%n", network, SplitBenchmark.HOLDERS, steps);
        System.out.println("| mode | batch | s per step | ms per sample | cut up, bytes per sample | cut down, bytes per sample "
                + "| rounds per step | P0 sent, MB per step | dealer sent, MB per step | holder compute, s per step "
                + "| top compute, s per step |");
        System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        for (String mode : modes) {
            for (int batch : batches) {
                System.out.println(SplitBenchmark.measure(Networks.build(network, Networks.maxPool(), Networks.relu(), true),
                        SplitOptions.where(mode), batch, steps, train).row());
            }
        }
        System.out.println("cut up: what a holder sends per sample (activations, or their masked shares); cut down: what it "
                + "receives (the cut gradient, one share from each party in secure mode); rounds: the cut's round trip "
                + "plus, in secure mode, P0's rounds in the top; top compute: the label holder's float top (plain) or P1's "
                + "step on shares from the arrival of the masked inputs, its exchanges with P0 and the dealer included (secure)");
        return 0;
    }
}
