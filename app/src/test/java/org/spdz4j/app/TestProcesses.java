package org.spdz4j.app;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The {@code spdz} processes a test starts, each logging to a file in the test's directory; all stopped at the end. */
final class TestProcesses implements AutoCloseable {
    private final Path dir;
    private final List<Process> started = new ArrayList<>();

    TestProcesses(Path dir) {
        this.dir = dir;
    }

    /** Starts {@code spdz <command> <common>}, its output to {@code log} in the directory. */
    Process start(List<String> command, List<String> common, String log) throws IOException {
        List<String> args = new ArrayList<>(command);
        args.addAll(common);
        Process p = Launcher.start(args, dir.resolve(log));
        started.add(p);
        return p;
    }

    /** What the process logging to {@code name} wrote so far. */
    String log(String name) throws IOException {
        return Files.readString(dir.resolve(name));
    }

    @Override
    public void close() {
        started.forEach(Process::destroyForcibly);
    }
}
