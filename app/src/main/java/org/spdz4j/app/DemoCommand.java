package org.spdz4j.app;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.spdz4j.core.files.SecretFiles;
import org.spdz4j.core.transport.Role;
import org.spdz4j.net.TlsIdentity;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code spdz demo}: the dealer and both parties as three OS processes on 127.0.0.1, with fresh
 * keys and mutual TLS, training on MNIST. P0's output (progress, accuracy, communication table)
 * comes to this terminal; the dealer's and P1's go to logs in the run directory.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Train on MNIST with the dealer and both parties as three processes on localhost (TLS).")
final class DemoCommand implements Callable<Integer> {
    @Mixin
    TrainingOptions training;
    @Option(names = "--data", required = true, description = "MNIST directory (IDX files, gzipped or not)")
    Path data;
    @Option(names = "--test-images", defaultValue = "10000")
    int testImages;
    @Option(names = "--save-model", description = "where P0 writes the revealed model")
    Path saveModel;
    @Option(names = "--timeout", defaultValue = "120", description = "seconds a process waits for a peer")
    int timeout;
    @Option(names = "--dir", description = "run directory for keys, config and logs (default: a new temporary one)")
    Path dir;
    @Option(names = "--dealer-seed", hidden = true)
    String dealerSeed;
    @Option(names = "--input-seed", hidden = true)
    String inputSeed;
    @Option(names = "--timing-file", hidden = true)
    Path timingFile;
    @Option(names = "--no-progress", description = "no progress bar")
    boolean noProgress;
    @Option(names = "--checkpoint-every", defaultValue = "0", description = "save party state every N steps to <dir>/checkpoints (0 = never)")
    int checkpointEvery;
    @Option(names = "--resume", description = "continue from the checkpoints in <dir>/checkpoints (needs --dir)")
    boolean resume;

    @Override
    public Integer call() throws Exception {
        if (resume && dir == null) {
            throw new IllegalArgumentException("--resume needs the --dir of the interrupted run");
        }
        Path run = dir != null ? SecretFiles.directory(dir) : Files.createTempDirectory("spdz4j-demo");
        Path config = writeKeysAndConfig(run);
        Path checkpoints = run.resolve("checkpoints");
        System.out.println("run directory " + run + " (run.yaml, logs; the keys are deleted at exit)");
        if (checkpointEvery > 0 || resume) {
            System.out.println("note: " + checkpoints + " holds both parties' shares of the model: together they reveal it."
                    + " One directory for both is for demos only; in a real run each party keeps its own, on its own machine.");
        }
        List<String> common = new ArrayList<>(List.of("--config", config.toString(), "--keys", run.toString(),
                "--timeout", "" + timeout));
        if (training.threads == 0) { // P0 and P1 compute at once, the dealer ahead of them: half the cores each
            training.threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        }
        common.addAll(training.asArguments());

        List<String> dealerArgs = new ArrayList<>(List.of("dealer"));
        dealerArgs.addAll(common);
        if (dealerSeed != null) {
            dealerArgs.addAll(List.of("--dealer-seed", dealerSeed));
        }
        List<String> p1Args = new ArrayList<>(List.of("party", "--id", "1", "--data", data.toString(), "--no-progress"));
        p1Args.addAll(common);
        List<String> p0Args = new ArrayList<>(List.of("party", "--id", "0", "--data", data.toString(),
                "--test-images", "" + testImages));
        if (noProgress) {
            p0Args.add("--no-progress");
        }
        p0Args.addAll(common);
        if (checkpointEvery > 0 || resume) {
            for (Map.Entry<Role, List<String>> party : Map.of(Role.P0, p0Args, Role.P1, p1Args).entrySet()) {
                List<String> args = party.getValue();
                args.addAll(List.of("--checkpoint-dir", checkpoints.resolve(party.getKey().name()).toString(),
                        "--checkpoint-every", "" + Math.max(1, checkpointEvery)));
                if (resume) {
                    args.add("--resume");
                }
            }
        }
        if (saveModel != null) {
            p0Args.addAll(List.of("--save-model", saveModel.toAbsolutePath().toString()));
        }
        if (inputSeed != null) {
            p0Args.addAll(List.of("--input-seed", inputSeed));
        }
        if (timingFile != null) {
            p0Args.addAll(List.of("--timing-file", timingFile.toAbsolutePath().toString()));
        }
        Map<Role, Launch> launches = new java.util.LinkedHashMap<>();
        launches.put(Role.DEALER, new Launch(dealerArgs, "dealer.log", false));
        launches.put(Role.P1, new Launch(p1Args, "P1.log", false));
        launches.put(Role.P0, new Launch(p0Args, null, true));
        return supervise(run, launches, List.copyOf(launches.keySet()));
    }

    /**
     * One process of a demo: {@code spdz <args>}, its output to {@code log} in the run directory
     * (or to this terminal if null), its errors and progress bar to this terminal if {@code errorsHere}.
     */
    record Launch(List<String> args, String log, boolean errorsHere) {
    }

    /**
     * Starts every launch in order, waits for all (one failing stops the others and shows the
     * logs' last lines), and at the end, or on Ctrl-C, stops what still runs and deletes the keys
     * the demo made for {@code roles}. Returns the exit code.
     */
    static int supervise(Path run, Map<Role, Launch> launches, List<Role> roles) throws Exception {
        Map<Role, Process> processes = new java.util.concurrent.ConcurrentHashMap<>();
        Thread cleanUp = new Thread(() -> {
            processes.values().forEach(Process::destroy);
            deleteKeys(run, roles);
        }, "spdz-demo-clean-up");
        Runtime.getRuntime().addShutdownHook(cleanUp); // Ctrl-C: stop the children, delete the keys
        try {
            for (Map.Entry<Role, Launch> e : launches.entrySet()) {
                String log = e.getValue().log();
                processes.put(e.getKey(), start(Spdz.class, e.getValue().args(), log == null ? null : run.resolve(log),
                        e.getValue().errorsHere()));
            }
            return waitAll(processes, run, launches.values().stream().map(Launch::log).filter(java.util.Objects::nonNull).toList());
        } finally {
            processes.values().forEach(Process::destroy);
            deleteKeys(run, roles);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanUp);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    /** Deletes the private keys the demo made for {@code roles} in {@code run} (they are good for this run only). */
    static void deleteKeys(Path run, List<Role> roles) {
        for (Role r : roles) {
            try {
                Files.deleteIfExists(run.resolve(r + ".key.pem"));
            } catch (IOException e) {
                System.err.println("could not delete " + run.resolve(r + ".key.pem") + ": " + e.getMessage());
            }
        }
    }

    /** Fresh keys for the three roles in {@code run}, and {@code run.yaml} with free loopback ports. */
    static Path writeKeysAndConfig(Path run) throws IOException {
        return writeKeysAndConfig(run, List.of(Role.P0, Role.P1, Role.DEALER), List.of());
    }

    /** Fresh keys for {@code roles} in {@code run}, and {@code run.yaml} with free loopback ports and {@code links}. */
    static Path writeKeysAndConfig(Path run, List<Role> roles, List<List<Role>> links) throws IOException {
        Map<Role, InetSocketAddress> endpoints = new java.util.LinkedHashMap<>();
        Map<Role, String> fingerprints = new java.util.LinkedHashMap<>();
        for (Role r : roles) {
            TlsIdentity.Generated g = TlsIdentity.generate(r);
            g.write(run, r, true); // fresh keys for every run
            fingerprints.put(r, g.fingerprint());
            try (ServerSocket s = new ServerSocket(0)) {
                endpoints.put(r, new InetSocketAddress("127.0.0.1", s.getLocalPort()));
            }
        }
        Path config = run.resolve("run.yaml");
        new RunConfig(true, endpoints, fingerprints, links).write(config);
        return config;
    }

    /** Starts {@code spdz <args>} in a new JVM with this one's class path; output to {@code log}, or here if null. */
    static Process start(List<String> args, Path log) throws IOException {
        return start(Spdz.class, args, log, false);
    }

    /**
     * Starts {@code main} with {@code args} in a new JVM with this one's class path and this
     * one's {@code spdz4j.*} system properties (the TLS engine, the backend's tuning); output to
     * {@code log} (errors too unless {@code errorsHere}), or here if null.
     */
    static Process start(Class<?> main, List<String> args, Path log, boolean errorsHere) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("spdz4j.")) {
                cmd.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        cmd.add(main.getName());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (log == null) {
            pb.inheritIO();
        } else {
            pb.redirectOutput(log.toFile());
            if (errorsHere) {
                pb.redirectError(ProcessBuilder.Redirect.INHERIT);
            } else {
                pb.redirectErrorStream(true);
            }
        }
        return pb.start();
    }

    /** Waits for all; if one fails, stops the others and shows the end of each of {@code logs} in {@code run}. */
    static int waitAll(Map<Role, Process> processes, Path run, List<String> logs) throws Exception {
        while (true) {
            boolean running = false;
            for (Map.Entry<Role, Process> e : processes.entrySet()) {
                Process p = e.getValue();
                if (p.isAlive()) {
                    running = true;
                } else if (p.exitValue() != 0) {
                    System.err.println(e.getKey() + " failed with exit code " + p.exitValue() + "; stopping the others");
                    processes.values().forEach(Process::destroy);
                    for (Process q : processes.values()) {
                        q.waitFor(10, TimeUnit.SECONDS);
                    }
                    for (String name : logs) {
                        File f = run.resolve(name).toFile();
                        if (f.exists()) {
                            List<String> lines = Files.readAllLines(f.toPath());
                            System.err.println("--- " + name + " (last lines)");
                            lines.subList(Math.max(0, lines.size() - 15), lines.size()).forEach(System.err::println);
                        }
                    }
                    return 1;
                }
            }
            if (!running) {
                return 0;
            }
            Thread.sleep(200);
        }
    }
}
