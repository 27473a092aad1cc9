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
        Map<Role, Process> processes = new java.util.LinkedHashMap<>();
        Thread cleanUp = new Thread(() -> {
            processes.values().forEach(Process::destroy);
            deleteKeys(run);
        }, "spdz-demo-clean-up");
        Runtime.getRuntime().addShutdownHook(cleanUp); // Ctrl-C: stop the children, delete the keys
        try {
            processes.put(Role.DEALER, start(dealerArgs, run.resolve("dealer.log")));
            processes.put(Role.P1, start(p1Args, run.resolve("P1.log")));
            processes.put(Role.P0, start(p0Args, null));
            return waitAll(processes, run);
        } finally {
            processes.values().forEach(Process::destroy);
            deleteKeys(run);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanUp);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    /** Deletes the private keys the demo made (they are good for this run only). */
    static void deleteKeys(Path run) {
        for (Role r : List.of(Role.P0, Role.P1, Role.DEALER)) {
            try {
                Files.deleteIfExists(run.resolve(r + ".key.pem"));
            } catch (IOException e) {
                System.err.println("could not delete " + run.resolve(r + ".key.pem") + ": " + e.getMessage());
            }
        }
    }

    /** Fresh keys for the three roles in {@code run}, and {@code run.yaml} with free loopback ports. */
    static Path writeKeysAndConfig(Path run) throws IOException {
        Map<Role, InetSocketAddress> endpoints = new java.util.LinkedHashMap<>();
        Map<Role, String> fingerprints = new java.util.LinkedHashMap<>();
        for (Role r : java.util.List.of(Role.P0, Role.P1, Role.DEALER)) {
            TlsIdentity.Generated g = TlsIdentity.generate(r);
            g.write(run, r, true); // fresh keys for every run
            fingerprints.put(r, g.fingerprint());
            try (ServerSocket s = new ServerSocket(0)) {
                endpoints.put(r, new InetSocketAddress("127.0.0.1", s.getLocalPort()));
            }
        }
        Path config = run.resolve("run.yaml");
        new RunConfig(true, endpoints, fingerprints).write(config);
        return config;
    }

    /** Starts {@code spdz <args>} in a new JVM with this one's class path; output to {@code log}, or here if null. */
    static Process start(List<String> args, Path log) throws IOException {
        return start(Spdz.class, args, log);
    }

    /** Starts {@code main} with {@code args} in a new JVM with this one's class path. */
    static Process start(Class<?> main, List<String> args, Path log) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path"),
                main.getName()));
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        if (log == null) {
            pb.inheritIO();
        } else {
            pb.redirectErrorStream(true).redirectOutput(log.toFile());
        }
        return pb.start();
    }

    /** Waits for all three; if one fails, stops the others and shows the logs. */
    private static int waitAll(Map<Role, Process> processes, Path run) throws Exception {
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
                    for (String name : new String[]{"dealer.log", "P1.log"}) {
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
