package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.data.TestData;

/** SIGKILL of the {@code spdz demo} launcher: its three participants end too, and no private key is left. */
class LauncherKillTest {
    @TempDir
    Path dir;

    @Test
    void theParticipantsEndWithTheirLauncherAndNoKeyOutlivesIt() throws Exception {
        Path run = dir.resolve("run");
        Process demo = Launcher.start(List.of("demo", "--data", TestData.dir().toString(), "--train-images", "3200",
                "--dir", run.toString(), "--no-progress", "--timeout", "60"), dir.resolve("demo.log"));
        try {
            long until = System.nanoTime() + 90_000_000_000L;
            while (!(Files.exists(run.resolve("P1.log")) && Files.readString(run.resolve("P1.log")).contains("connected"))) {
                assertTrue(demo.isAlive() && System.nanoTime() < until, "the demo did not start: "
                        + Files.readString(dir.resolve("demo.log")));
                Thread.sleep(200);
            }
            List<ProcessHandle> participants = demo.descendants().toList();
            assertEquals(3, participants.size(), "the dealer, P1 and P0");
            demo.destroyForcibly().waitFor(); // SIGKILL: no shutdown hook runs in the launcher
            long deadline = System.nanoTime() + 30_000_000_000L;
            while (participants.stream().anyMatch(ProcessHandle::isAlive) && System.nanoTime() < deadline) {
                Thread.sleep(200);
            }
            assertTrue(participants.stream().noneMatch(ProcessHandle::isAlive), "every participant ended with its launcher");
            try (Stream<Path> files = Files.list(run)) {
                assertEquals(List.of(), files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".key.pem")).toList(),
                        "no private key left");
            }
            // the first participant to notice names the launcher; the others may end first on its closed link
            String logs = Files.readString(run.resolve("P1.log")) + Files.readString(run.resolve("dealer.log"))
                    + Files.readString(dir.resolve("demo.log"));
            assertTrue(logs.contains("the demo's launcher (process " + demo.pid() + ") ended"), logs);
        } finally {
            demo.descendants().forEach(ProcessHandle::destroyForcibly);
            demo.destroyForcibly();
        }
        assertFalse(demo.isAlive());
    }
}
