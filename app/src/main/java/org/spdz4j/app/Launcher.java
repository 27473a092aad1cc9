package org.spdz4j.app;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.spdz4j.core.files.SecretFiles;
import org.spdz4j.core.transport.Role;
import org.spdz4j.net.LoopbackPorts;
import org.spdz4j.net.TlsIdentity;
import org.spdz4j.run.RunConfig;

/**
 * Local multi-process runs, the one launcher of {@code demo}, {@code split-demo},
 * {@code fed-demo} and {@code compare-backends}: fresh keys and a run.yaml on loopback ports,
 * each participant a {@code spdz} process of this JVM's class path, supervised (one failing
 * stops the others), and at the end, or on Ctrl-C, the keys deleted and a temporary run
 * directory removed.
 *
 * <pre>{@code
 * Path run = Launcher.runDirectory(null, "spdz4j-demo");
 * Path config = Launcher.writeKeysAndConfig(run);
 * int code = Launcher.supervise(run, Map.of(Role.P0, new Launcher.Launch(args, null, true)), List.of(Role.P0), true);
 * }</pre>
 */
final class Launcher {
    private Launcher() {
    }

    /**
     * One process of a demo: {@code spdz <args>}, its output to {@code log} in the run directory
     * (or to this terminal if null), its errors and progress bar to this terminal if {@code errorsHere}.
     */
    record Launch(List<String> args, String log, boolean errorsHere, boolean optional) {
        /** A participant the run needs: when it fails, the others are stopped. */
        Launch(List<String> args, String log, boolean errorsHere) {
            this(args, log, errorsHere, false);
        }
    }

    /** What a demo reads from its run directory once every process has ended well; returns the exit code. */
    @FunctionalInterface
    interface Report {
        int read() throws IOException;
    }

    /** As {@link #supervise(Path, Map, List, boolean, Report)} with nothing to read at the end. */
    static int supervise(Path run, Map<Role, Launch> launches, List<Role> roles, boolean removeRun) throws Exception {
        return supervise(run, launches, roles, removeRun, () -> 0);
    }

    /**
     * Starts every launch in order, waits for all (one failing stops the others and shows the
     * logs' last lines), reads {@code report} if all ended well, and then, or on Ctrl-C, stops what
     * still runs, deletes the keys the demo made for {@code roles} and removes the run directory if
     * {@code removeRun}. Returns the exit code.
     */
    static int supervise(Path run, Map<Role, Launch> launches, List<Role> roles, boolean removeRun, Report report)
            throws Exception {
        Map<Role, Process> processes = new java.util.concurrent.ConcurrentHashMap<>();
        Thread cleanUp = new Thread(() -> {
            processes.values().forEach(Process::destroy);
            cleanUp(run, roles, removeRun);
        }, "spdz-demo-clean-up");
        Runtime.getRuntime().addShutdownHook(cleanUp); // Ctrl-C: stop the children, delete the keys
        try {
            for (Map.Entry<Role, Launch> e : launches.entrySet()) {
                String log = e.getValue().log();
                ProcessBuilder p = starter(Spdz.class, e.getValue().args(), log == null ? null : run.resolve(log),
                        e.getValue().errorsHere());
                // the folder of the keys this demo made: each forgotten once loaded, all if the launcher dies first
                p.environment().put(ParentWatch.DEMO_KEYS, run.toAbsolutePath().toString());
                processes.put(e.getKey(), p.start());
            }
            List<Role> optional = launches.entrySet().stream().filter(e -> e.getValue().optional()).map(Map.Entry::getKey).toList();
            int code = waitAll(processes, optional, run,
                    launches.values().stream().map(Launch::log).filter(java.util.Objects::nonNull).toList());
            return code != 0 ? code : report.read();
        } finally {
            processes.values().forEach(Process::destroy);
            for (Process p : processes.values()) {
                p.waitFor(10, TimeUnit.SECONDS);
            }
            cleanUp(run, roles, removeRun);
            try {
                Runtime.getRuntime().removeShutdownHook(cleanUp);
            } catch (IllegalStateException shuttingDown) {
                // the hook runs anyway
            }
        }
    }

    /** Deletes the keys the demo made for {@code roles}, and the whole run directory if {@code removeRun}. */
    private static synchronized void cleanUp(Path run, List<Role> roles, boolean removeRun) {
        deleteKeys(run, roles);
        if (removeRun && Files.exists(run)) { // Ctrl-C: the hook and the ending main thread both come here
            try (java.util.stream.Stream<Path> all = Files.walk(run)) {
                all.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                System.err.println("could not remove " + run + ": " + e.getMessage());
            }
        }
    }

    /** {@code --checkpoint-dir} (absolute) and {@code --resume} as given, for a child process. */
    static List<String> checkpointArguments(Path dir, boolean resume) {
        List<String> args = new ArrayList<>();
        if (dir != null) {
            args.addAll(List.of("--checkpoint-dir", dir.toAbsolutePath().toString()));
        }
        if (resume) {
            args.add("--resume");
        }
        return args;
    }

    /** {@code dir} made owner-only if given (it is kept), else a new temporary directory (removed at exit). */
    static Path runDirectory(Path dir, String prefix) throws IOException {
        return dir != null ? SecretFiles.directory(dir) : Files.createTempDirectory(prefix);
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
            endpoints.put(r, new InetSocketAddress("127.0.0.1", LoopbackPorts.free()));
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
        return starter(main, args, log, errorsHere).start();
    }

    /**
     * This JVM's choice of garbage collector ({@code -XX:+UseParallelGC}, which the {@code spdz}
     * script makes unless {@code SPDZ_JAVA_OPTS} says otherwise), for the processes it starts:
     * every process of a run collects alike.
     */
    static List<String> collector() {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments().stream()
                .filter(a -> a.matches("-XX:[+-]Use\\w+GC")).toList();
    }

    /** The process {@link #start} starts, not started yet. */
    private static ProcessBuilder starter(Class<?> main, List<String> args, Path log, boolean errorsHere) {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-cp", System.getProperty("java.class.path")));
        cmd.addAll(collector());
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith("spdz4j.")) {
                cmd.add("-D" + name + "=" + System.getProperty(name));
            }
        }
        cmd.add(main.getName());
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put(ParentWatch.ENV, Long.toString(ProcessHandle.current().pid())); // it ends when this one does
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
        return pb;
    }

    /**
     * Waits for all; if one that is not {@code optional} fails, stops the others and shows the
     * end of each of {@code logs} in {@code run}. An optional one that fails is named and the run
     * goes on without it.
     */
    static int waitAll(Map<Role, Process> processes, List<Role> optional, Path run, List<String> logs) throws Exception {
        java.util.Set<Role> named = new java.util.HashSet<>();
        while (true) {
            boolean running = false;
            for (Map.Entry<Role, Process> e : processes.entrySet()) {
                Process p = e.getValue();
                if (p.isAlive()) {
                    running = true;
                } else if (p.exitValue() != 0 && optional.contains(e.getKey())) {
                    if (named.add(e.getKey())) {
                        System.err.println(e.getKey() + " failed with exit code " + p.exitValue() + "; the run goes on without it");
                    }
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
