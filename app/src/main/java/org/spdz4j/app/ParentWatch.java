package org.spdz4j.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A demo's participants end when their launcher ends, however it ends (SIGKILL included, which
 * runs no shutdown hook in the launcher): {@link Launcher} names itself in the environment of
 * each process it starts, and each watches that process and exits, naming it, once it is gone.
 * A demo's private key is good for one run: its process deletes it as soon as it has loaded it,
 * so no key outlives the launcher either.
 *
 * <pre>{@code
 * ParentWatch.start();   // in main: a no-op unless started by a launcher
 * }</pre>
 */
final class ParentWatch {
    /** The launcher's process id, in the environment of the processes it starts. */
    static final String ENV = "SPDZ4J_LAUNCHER_PID";
    /** For a demo's participants: the folder of the keys the demo made for this run alone. */
    static final String DEMO_KEYS = "SPDZ4J_DEMO_KEYS";

    private ParentWatch() {
    }

    /** Exits (code 1, after the shutdown hooks close the links) once the launcher is gone; nothing if not launched. */
    static void start() {
        String pid = System.getenv(ENV);
        if (pid == null) {
            return;
        }
        long launcher = Long.parseLong(pid);
        ProcessHandle.of(launcher).ifPresentOrElse(p -> p.onExit().thenRun(() -> gone(launcher)), () -> gone(launcher));
    }

    private static void gone(long launcher) {
        System.err.println("the demo's launcher (process " + launcher + ") ended: this participant stops too");
        forgetAllKeys(); // a participant killed before it loaded its key must not leave the key behind
        System.exit(1);
    }

    /** Deletes every private key in the demo's key folder (the demo's launcher is gone: no run needs them). */
    private static void forgetAllKeys() {
        String dir = System.getenv(DEMO_KEYS);
        if (dir == null) {
            return;
        }
        try (java.util.stream.Stream<Path> files = Files.list(Path.of(dir))) {
            for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".key.pem")).toList()) {
                Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            System.err.println("could not delete the demo's keys in " + dir + ": " + e.getMessage());
        }
    }

    /** In a demo's participant: deletes the demo's private key {@code key} once it is loaded (the run needs it no more). */
    static void forgetKey(Path key) throws IOException {
        if (System.getenv(DEMO_KEYS) != null) {
            Files.deleteIfExists(key);
        }
    }
}
