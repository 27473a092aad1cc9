package org.spdz4j.app;

import java.util.Locale;
import picocli.CommandLine.Option;

/** What a training command shows: the progress bar or not; and how every command prints an accuracy (in percent). */
final class OutputOptions {
    @Option(names = "--no-progress", description = "no progress bar (logs, CI)")
    boolean noProgress;

    boolean showProgress() {
        return !noProgress;
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
