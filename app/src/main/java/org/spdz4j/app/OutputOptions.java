package org.spdz4j.app;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * What every training command shows and writes: the progress bar or not, the per-step lines or
 * only the results, the metrics as CSV and as a PNG; and how every command prints an accuracy (in
 * percent). Nothing is written into the working directory unless {@code --csv} or {@code --plot}
 * names it there.
 */
final class OutputOptions {
    @Option(names = "--no-progress", description = "no progress bar (logs, CI)")
    boolean noProgress;
    @Option(names = "--quiet", description = "print only the results: no progress bar, no per-step or per-epoch lines")
    boolean quiet;
    @Option(names = "--csv", description = "write the metrics of each step (federated: of each round) to this new CSV file")
    Path csv;
    @Option(names = "--plot", description = "write a PNG of the loss (federated: the test accuracy) against the step "
            + "(round) to this new file (XChart)")
    Path plot;

    boolean showProgress() {
        return !noProgress && !quiet;
    }

    /** Prints a line that is not a result (the run's description, a step, an epoch) unless {@code --quiet}. */
    void say(String line) {
        if (!quiet) {
            System.out.println(line);
        }
    }

    /** The metrics files, created before the run (see {@link Metrics#open}). */
    Metrics metrics(String title, String plotted, String... columns) throws IOException {
        return Metrics.open(csv, plot, title, plotted, columns);
    }

    /**
     * These options for a child process; {@code --csv} and {@code --plot} (made absolute) only
     * if {@code writes}, the one process that measures the run.
     */
    List<String> asArguments(boolean writes) {
        List<String> a = new ArrayList<>();
        if (noProgress) {
            a.add("--no-progress");
        }
        if (quiet) {
            a.add("--quiet");
        }
        if (writes && csv != null) {
            a.addAll(List.of("--csv", csv.toAbsolutePath().toString()));
        }
        if (writes && plot != null) {
            a.addAll(List.of("--plot", plot.toAbsolutePath().toString()));
        }
        return a;
    }

    /** {@code test accuracy 98.63% on 10,000 images}: the one way every command prints an accuracy. */
    static String accuracy(double fraction, int images) {
        return String.format(Locale.ROOT, "test accuracy %.2f%% on %,d images", 100 * fraction, images);
    }

    /** {@code 98.63%}. */
    static String percent(double fraction) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * fraction);
    }
}
