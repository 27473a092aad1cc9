package org.spdz4j.app;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.spdz4j.accel.Backends;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spdz compare-backends}: a few training steps on a reference backend and on the one
 * chosen with {@code --backend}, same seeds; prints both step times, the speed-up and whether
 * the revealed models are identical (exit status 1 if not).
 */
@Command(name = "compare-backends", mixinStandardHelpOptions = true,
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

    @Override
    public Integer call() throws Exception {
        int threads = training.threads();
        training.trainImages = steps * training.batch;
        training.epochs = 1;
        TrainingConfig c = training.config();
        Mnist train = Mnist.load(data, true);
        BackendComparison.Result r = BackendComparison.run(c, train.scaled(training.scaling(train)),
                Backends.select(reference, threads), Backends.select(training.backend, threads));
        System.out.printf("%s, batch %d, %d steps, %s mode%n", c.network().describe(), c.batchSize(), steps, c.mode());
        for (BackendComparison.Run run : new BackendComparison.Run[]{r.reference(), r.candidate()}) {
            System.out.printf("  %-50s %8.3f s/step%n", run.backend(), run.secondsPerStep());
        }
        System.out.printf("speed-up %.1fx; revealed models identical: %s (%d parameters)%n", r.speedUp(),
                r.identical() ? "yes" : "NO", r.parameters());
        return r.identical() ? 0 : 1;
    }
}
