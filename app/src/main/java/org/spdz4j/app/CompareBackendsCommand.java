package org.spdz4j.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.spdz4j.accel.Backends;
import org.spdz4j.accel.DeviceRingBackend;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.RingBackend;
import org.spdz4j.data.Dataset;
import org.spdz4j.training.BackendComparison;
import org.spdz4j.training.TrainingConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spdz compare-backends}: a few training steps on a reference backend and on the one
 * chosen with {@code --backend}, same seeds; prints both step times, the speed-up and whether
 * the revealed models are identical (exit status 1 if not). In one JVM by default; with
 * {@code --processes} each backend runs as {@code spdz demo} runs, the dealer, P0 and P1 as
 * three processes over TLS, one backend after the other.
 */
@Command(name = "compare-backends", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Train a few steps on two ring backends with the same seeds: step times, speed-up, identical models.")
final class CompareBackendsCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "directory with the MNIST IDX files (gzipped or not)")
    Path data;
    @Mixin
    TrainingOptions training;
    @Option(names = "--reference", defaultValue = "java", description = "backend to compare against: " + Backends.NAMES)
    String reference;
    @Option(names = "--steps", defaultValue = "3", description = "training steps on each backend (the first is not timed)")
    int steps;
    @Option(names = "--processes", description = "run each backend as 'spdz demo' does: three processes over TLS on "
            + "localhost (P0's mean over every step, the first included)")
    boolean processes;
    @Option(names = "--timeout", defaultValue = "600", description = "with --processes: seconds each run may take")
    int timeoutSeconds;
    @Option(names = "--rounds", defaultValue = "1", description = "with --processes: run the two backends in turn this many times")
    int rounds;

    @Override
    public Integer call() throws Exception {
        training.trainImages = steps * training.recipe.batch;
        training.recipe.epochs = 1;
        if (processes) {
            return asProcesses();
        }
        int threads = training.threads();
        TrainingConfig c = training.config();
        Dataset train = Dataset.load(data, true);
        RingBackend candidate = Backends.select(training.backend, threads);
        BackendComparison.Result r = BackendComparison.run(c, train.scaled(training.scaling(train)),
                Backends.select(reference, threads), candidate);
        System.out.printf("%s, batch %d, %d steps, %s mode%n", c.network().describe(), c.batchSize(), steps, c.mode());
        for (BackendComparison.Run run : new BackendComparison.Run[]{r.reference(), r.candidate()}) {
            System.out.printf("  %-50s %8.3f s/step%n", run.backend(), run.secondsPerStep());
        }
        if (candidate instanceof DeviceRingBackend d) {
            System.out.printf("  %s copied %.0f MB to its memory and %.0f MB back a step (both parties)%n",
                    training.backend, d.uploadedBytes() / 1e6 / steps, d.downloadedBytes() / 1e6 / steps);
        }
        System.out.printf("speed-up %.1fx; revealed models identical: %s (%d parameters)%n", r.speedUp(),
                r.identical() ? "yes" : "NO", r.parameters());
        return r.identical() ? 0 : 1;
    }

    /**
     * Both backends as three processes each ({@code spdz demo} with the same seeds, the
     * dealer's and P0's input randomness fixed for all runs), {@code --rounds} times in turn
     * (this machine's speed drifts from minute to minute, so each round's ratio is of two runs
     * taken back to back); P0's mean step times, each round's ratio, their median, and whether
     * every revealed model is identical.
     */
    private int asProcesses() throws Exception {
        if (rounds < 1) {
            throw new IllegalArgumentException("--rounds must be at least 1");
        }
        Path run = Files.createTempDirectory("spdz4j-compare");
        String dealerSeed = HexFormat.of().formatHex(AesCtrPrg.freshSeed());
        String inputSeed = HexFormat.of().formatHex(AesCtrPrg.freshSeed());
        String[] backends = {reference, training.backend};
        System.out.printf("three processes over TLS per backend, batch %d, %d steps (P0's mean, the first step included); logs in %s%n",
                training.recipe.batch, steps, run);
        double[] ratios = new double[rounds];
        byte[] firstModel = null;
        boolean identical = true;
        for (int r = 0; r < rounds; r++) {
            double[] seconds = new double[2];
            for (int i = 0; i < 2; i++) {
                String name = backends[i] + "-" + r + "-" + i;
                training.backend = backends[i];
                seconds[i] = demo(run, name, dealerSeed, inputSeed);
                byte[] model = Files.readAllBytes(run.resolve(name + ".spdz"));
                firstModel = firstModel == null ? model : firstModel;
                identical &= java.util.Arrays.equals(firstModel, model);
            }
            ratios[r] = seconds[0] / seconds[1];
            System.out.printf("  round %d: %s %.3f s/step, %s %.3f s/step, speed-up %.2fx%n", r + 1, backends[0], seconds[0],
                    backends[1], seconds[1], ratios[r]);
        }
        java.util.Arrays.sort(ratios);
        System.out.printf("median speed-up %.2fx over %d round(s); revealed models identical: %s%n",
                ratios[rounds / 2], rounds, identical ? "yes" : "NO");
        return identical ? 0 : 1;
    }

    /**
     * Runs {@code spdz demo} with the training options and seeds, its run directory, log,
     * timing and model in {@code run} under {@code name}; returns P0's mean seconds per step.
     */
    private double demo(Path run, String name, String dealerSeed, String inputSeed) throws Exception {
        Path timing = run.resolve(name + ".seconds");
        List<String> args = new ArrayList<>(List.of("demo", "--data", data.toString(), "--no-progress",
                "--test-images", "0", "--dir", run.resolve(name).toString(), "--dealer-seed", dealerSeed,
                "--input-seed", inputSeed, "--timing-file", timing.toString(),
                "--save-model", run.resolve(name + ".spdz").toString()));
        args.addAll(training.asArguments());
        Path log = run.resolve(name + ".log");
        Process p = Launcher.start(args, log);
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroy();
            throw new IOException("the " + name + " run took more than --timeout " + timeoutSeconds + " s; see " + log);
        }
        if (p.exitValue() != 0 || !Files.exists(timing)) {
            throw new IOException("the " + name + " run failed (exit " + p.exitValue() + "); see " + log);
        }
        return Double.parseDouble(Files.readString(timing).trim());
    }
}
