package org.spdz4j.app;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.spdz4j.core.transport.Role;
import org.spdz4j.net.DelayProxy;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spdz wan-bench}: MPC training's step across an emulated WAN. P0, P1 and the dealer run
 * as three processes over mutual TLS on loopback, every link through a delaying proxy with
 * the chosen round trip and bandwidth (each process reads a run.yaml in which its peers'
 * addresses are its links' proxies: {@link WanLinks}), once per combination, all in one run so the
 * rows compare.
 */
@Command(name = "wan-bench", mixinStandardHelpOptions = true, showDefaultValues = true,
        description = "Seconds per MPC training step across an emulated WAN: the three processes with a delaying proxy on "
                + "every link, for each round trip and bandwidth; the time split, rounds and values per step.")
final class WanBenchCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, description = "directory with the MNIST IDX files")
    Path data;
    @Mixin
    TrainingOptions training;
    @Option(names = "--steps", defaultValue = "8", description = "training steps per combination (the first includes the JVM's warm-up)")
    int steps;
    @Option(names = "--rtts", defaultValue = "0,10,50,100", split = ",", description = "round trips, ms")
    List<Integer> rtts;
    @Option(names = "--bandwidths", defaultValue = "0,1000,100", split = ",",
            description = "bandwidth of each direction of each link, Mbit/s (0: as loopback)")
    List<Integer> bandwidths;
    @Option(names = "--dealer-links", defaultValue = "wan", description = "the dealer's links to P0 and P1: wan (as "
            + "the compute parties' link) or loopback (no delay or limit: the compute parties' link alone, as if the "
            + "dealer's corrections had been shipped before the run)")
    String dealerLinks;
    @Option(names = "--dir", description = "keep the run's configs and logs here (default: a temporary folder, removed)")
    Path dir;

    private static final Pattern STEP = Pattern.compile("P0: \\d+ steps, ([0-9.]+) s per step: compute ([0-9.]+), "
            + "waiting for P1 ([0-9.]+), waiting for the dealer ([0-9.]+)");
    private static final int WARM_UP = 2;
    private static final Pattern TOTAL = Pattern.compile("(?m)^total\\s+(\\d+)\\s+(\\d+)\\s*$");
    private static final Pattern DEALER = Pattern.compile("(?m)^P[01]: (\\d+) values a step from the dealer$");
    private static final Pattern CHOSEN = Pattern.compile("--micro-batches auto: least round trip to P1 ([0-9.]+) ms "
            + "of \\d+, (?:(\\S+) Mbit/s toward it|bandwidth not measured): (\\d+) micro-batch");

    @Override
    public Integer call() throws Exception {
        if (steps <= WARM_UP) {
            throw new IllegalArgumentException("--steps must be more than the " + WARM_UP + " warm-up steps");
        }
        if (!dealerLinks.equals("wan") && !dealerLinks.equals("loopback")) {
            throw new IllegalArgumentException("--dealer-links is wan or loopback, not '" + dealerLinks + "'");
        }
        training.trainImages = steps * training.recipe.batch;
        training.recipe.epochs = 1;
        if (training.threads == 0) { // as spdz demo: P0 and P1 compute at once
            training.threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        }
        Path run = Launcher.runDirectory(dir, "spdz4j-wan");
        Path base = Launcher.writeKeysAndConfig(run);
        System.out.printf("MPC training across an emulated WAN: %s, batch %d, %d steps a row, three processes over TLS "
                + "through a delaying proxy on %s (%d cores)%n", training.recipe.network, training.recipe.batch, steps,
                dealerOnWan() ? "each link" : "the compute parties' link (the dealer's on loopback)",
                Runtime.getRuntime().availableProcessors());
        System.out.println("| round trip, ms | bandwidth, Mbit/s | micro-batches | s per step | x the first row | s per step, "
                + "all steps | compute | waiting for P1 | waiting for the dealer | P0-P1 link busy | dealer's links busy | "
                + "values P0 sends per step | rounds per step |");
        System.out.println("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        double first = Double.NaN;
        Row r = null;
        try {
            for (int mbit : bandwidths) {
                for (int rtt : rtts) {
                    r = measure(run, base, rtt, mbit);
                    double[] f = r.figures();
                    first = Double.isNaN(first) ? f[6] : first;
                    System.out.printf(Locale.ROOT, "| %d | %s | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %,.0f "
                            + "| %.0f |%n", rtt, mbit == 0 ? "loopback" : "" + mbit, r.microBatches(), f[6], f[6] / first, f[0],
                            f[1], f[2], f[3], f[7], f[8], f[4], f[5]);
                }
            }
        } finally {
            Launcher.deleteKeys(run, List.of(Role.P0, Role.P1, Role.DEALER));
        }
        System.out.println("s per step: the steps after the first " + WARM_UP + " (the JVMs warm up in those); all steps: "
                + "P0's mean over the run, split into compute (the step less its waits) and its waits, which include the "
                + "transfer of what it waits for; a link busy: the seconds a step its bandwidth kept its busier direction "
                + "sending, over the run (the transfer)");
        if (r != null) {
            System.out.printf(Locale.ROOT, "the dealer sends %,d values a step to P0 and %,d to P1 (16 bytes each)%n",
                    r.dealerToP0(), r.dealerToP1());
        }
        return 0;
    }

    /**
     * P0's figures of a row (its step, compute and waits, values and rounds, the steady step, the
     * P0-P1 link's and the dealer's links' busy seconds a step) and
     * its micro-batches: as given, or with 'auto' what P0 chose and the round trip it measured.
     */
    private record Row(double[] figures, String microBatches, long dealerToP0, long dealerToP1) {
    }

    /** One row: the three processes through proxies of {@code rtt} ms and {@code mbit} Mbit/s. */
    private Row measure(Path run, Path base, int rtt, int mbit) throws Exception {
        String row = rtt + "ms-" + mbit + "mbit";
        try (WanLinks links = WanLinks.start(run, row + "-", base, WanLinks.eachItself(List.of(Role.P0, Role.P1, Role.DEALER)),
                rtt, mbit, dealerOnWan() ? Set.of() : Set.of(Role.DEALER))) {
            Path p0 = links.config(Role.P0);
            Path p1 = links.config(Role.P1);
            Path dealer = links.config(Role.DEALER);
            List<String> common = new ArrayList<>(List.of("--keys", run.toString(), "--timeout", "600"));
            common.addAll(training.asArguments());
            List<Process> started = new ArrayList<>();
            try {
                started.add(Launcher.start(concat(List.of("dealer", "--config", dealer.toString()), common),
                        run.resolve(row + "-dealer.log")));
                started.add(Launcher.start(concat(List.of("party", "--id", "1", "--data", data.toString(), "--no-progress",
                        "--config", p1.toString()), common), run.resolve(row + "-P1.log")));
                Path p0Log = run.resolve(row + "-P0.log");
                Path p0Csv = run.resolve(row + "-P0.csv");
                started.add(Launcher.start(concat(List.of("party", "--id", "0", "--data", data.toString(), "--no-progress",
                        "--test-images", "0", "--config", p0.toString(), "--csv", p0Csv.toString()), common), p0Log));
                for (Process p : started) {
                    if (!p.waitFor(60, TimeUnit.MINUTES) || p.exitValue() != 0) {
                        throw new IllegalStateException("the run at " + rtt + " ms, " + mbit + " Mbit/s failed: "
                                + Files.readString(p0Log));
                    }
                }
                String out = Files.readString(p0Log);
                Matcher m = STEP.matcher(out);
                Matcher t = TOTAL.matcher(out);
                if (!m.find() || !t.find()) {
                    throw new IllegalStateException("P0 did not report its step: " + out);
                }
                Matcher chosen = CHOSEN.matcher(out);
                String microBatches = chosen.find()
                        ? chosen.group(3) + " (auto: " + chosen.group(1) + " ms"
                                + (chosen.group(2) == null ? "" : ", " + chosen.group(2) + " Mbit/s") + ")"
                        : training.microBatches;
                long[] fromDealer = {fromDealer(out), fromDealer(Files.readString(run.resolve(row + "-P1.log")))};
                return new Row(new double[]{Double.parseDouble(m.group(1)), Double.parseDouble(m.group(2)),
                        Double.parseDouble(m.group(3)), Double.parseDouble(m.group(4)), Double.parseDouble(t.group(1)),
                        Double.parseDouble(t.group(2)), steadySeconds(p0Csv), busiest(links, Role.P0, Role.P1),
                        busiest(links, Role.DEALER, Role.P0, Role.P1)}, microBatches, fromDealer[0], fromDealer[1]);
            } finally {
                started.forEach(Process::destroyForcibly);
            }
        }
    }

    /**
     * Seconds a step the busiest direction of {@code from}'s links to {@code to} was busy sending
     * (its bandwidth's share of the time; 0 on loopback or where the link is direct).
     */
    private double busiest(WanLinks links, Role from, Role... to) {
        long most = 0;
        for (Role peer : to) {
            for (DelayProxy.Traffic way : Arrays.asList(links.traffic(from, peer), links.traffic(peer, from))) {
                most = Math.max(most, way == null ? 0 : way.busy().toNanos());
            }
        }
        return most / 1e9 / steps;
    }

    /** Whether the dealer's links go through the proxies too ({@code --dealer-links wan}). */
    private boolean dealerOnWan() {
        return dealerLinks.equals("wan");
    }

    /** The values a step a party's log says it received from the dealer. */
    private static long fromDealer(String log) {
        Matcher d = DEALER.matcher(log);
        if (!d.find()) {
            throw new IllegalStateException("a party did not report what it received from the dealer: " + log);
        }
        return Long.parseLong(d.group(1));
    }

    /** Seconds per step after the warm-up, from P0's per-step CSV (step, seconds since the first step, ...). */
    private static double steadySeconds(Path csv) throws java.io.IOException {
        List<String> rows = Files.readAllLines(csv);
        double[] seconds = rows.stream().skip(1).filter(l -> !l.isBlank())
                .mapToDouble(l -> Double.parseDouble(l.split(",")[1])).toArray();
        if (seconds.length <= WARM_UP) {
            throw new IllegalStateException(csv + " holds " + seconds.length + " steps, not more than " + WARM_UP);
        }
        return (seconds[seconds.length - 1] - seconds[WARM_UP - 1]) / (seconds.length - WARM_UP);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}
