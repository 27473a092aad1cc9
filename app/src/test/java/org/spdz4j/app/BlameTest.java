package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.data.TestData;

/**
 * When one participant dies (SIGKILL), each survivor names it as where the failure began, even
 * when what the survivor saw first was another participant that stopped because of it (before,
 * the dealer blamed P0 when P1 died, and P0 blamed P1 when the dealer died).
 */
class BlameTest {
    @TempDir
    Path dir;

    private final List<Process> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(Process::destroyForcibly);
    }

    /** The three participants of a 400-step run, each with its log in {@code dir}. */
    private Map<String, Process> startRun() throws IOException {
        Path config = Launcher.writeKeysAndConfig(dir);
        List<String> common = List.of("--config", config.toString(), "--keys", dir.toString(), "--timeout", "60",
                "--network", "small", "--batch", "32", "--train-images", "12800", "--no-progress");
        Map<String, Process> ps = new LinkedHashMap<>();
        for (String who : List.of("DEALER", "P1", "P0")) {
            List<String> args = new ArrayList<>(who.equals("DEALER") ? List.of("dealer")
                    : List.of("party", "--id", who.substring(1), "--data", TestData.dir().toString(), "--test-images", "0"));
            if (who.equals("P0")) {
                args.addAll(List.of("--csv", steps().toString())); // a row per step: the run is under way
            }
            args.addAll(common);
            Process p = Launcher.start(args, dir.resolve(who + ".log"));
            started.add(p);
            ps.put(who, p);
        }
        return ps;
    }

    private Path steps() {
        return dir.resolve("P0-steps.csv");
    }

    private String log(String who) throws IOException {
        return Files.readString(dir.resolve(who + ".log"));
    }

    /** Starts a run, waits until it is a few steps in, kills {@code victim}, and waits for the survivors to end. */
    private void kill(String victim) throws Exception {
        Map<String, Process> ps = startRun();
        long until = System.nanoTime() + 90_000_000_000L;
        while (!(Files.exists(steps()) && Files.readAllLines(steps()).size() > 2)) { // all connected, two steps done
            assertTrue(System.nanoTime() < until, "the run did not start: " + (Files.exists(dir.resolve("P0.log")) ? log("P0") : ""));
            Thread.sleep(100);
        }
        assertTrue(ps.values().stream().allMatch(Process::isAlive), "all still running: " + log("P0"));
        ps.get(victim).destroyForcibly().waitFor();
        for (Map.Entry<String, Process> e : ps.entrySet()) {
            if (!e.getKey().equals(victim)) {
                assertTrue(e.getValue().waitFor(90, TimeUnit.SECONDS), e.getKey() + " did not end");
                List<String> lines = log(e.getKey()).lines().toList();
                System.out.println(e.getKey() + " after " + victim + " was killed: " + lines.get(lines.size() - 1));
            }
        }
    }

    @Test
    void whenP1DiesTheDealerAndP0NameP1() throws Exception {
        kill("P1");
        assertTrue(log("DEALER").contains("P1") && (log("DEALER").contains("the failure began at P1")
                || log("DEALER").contains("P1 closed the connection")), log("DEALER"));
        assertTrue(!log("DEALER").contains("the failure began at P0"), log("DEALER"));
        assertTrue(log("P0").contains("P1 closed the connection") || log("P0").contains("P1's connection failed")
                || log("P0").contains("the failure began at P1"), log("P0"));
    }

    @Test
    void whenTheDealerDiesBothPartiesNameTheDealer() throws Exception {
        kill("DEALER");
        for (String survivor : List.of("P0", "P1")) {
            String l = log(survivor);
            assertTrue(l.contains("the failure began at DEALER") || l.contains("DEALER closed the connection"), survivor + ": " + l);
        }
    }
}
