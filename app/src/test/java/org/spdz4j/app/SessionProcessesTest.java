package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.triples.LocalComputation;
import org.spdz4j.triples.Session;

/** The embedding facade across three JVMs over mutual TLS, started from library code only. */
class SessionProcessesTest {
    @TempDir
    Path dir;

    @Test
    void theNetworkedExampleOfTheDocsRunsAsThreeJvmsOverTls() throws Exception {
        Path config = Launcher.writeKeysAndConfig(dir);
        Map<String, Process> ps = new LinkedHashMap<>();
        for (String role : List.of("DEALER", "P1", "P0")) {
            ps.put(role, Launcher.start(SessionExample.class, List.of(role, config.toString(), dir.toString()),
                    dir.resolve(role + ".log"), false));
        }
        try {
            for (Map.Entry<String, Process> e : ps.entrySet()) {
                assertTrue(e.getValue().waitFor(90, TimeUnit.SECONDS), e.getKey() + " did not finish");
                assertEquals(0, e.getValue().exitValue(), e.getKey() + ": " + Files.readString(dir.resolve(e.getKey() + ".log")));
            }
        } finally {
            ps.values().forEach(Process::destroyForcibly);
        }
        List<String> results = Files.readAllLines(dir.resolve("P0.log")).stream().filter(l -> l.startsWith("RESULT ")).toList();
        // x w + x^2 for x = [[1, 2], [3, 4]], w = I / 2: exact in fixed point
        assertEquals(List.of("RESULT [1.5, 5.0, 10.5, 18.0]"), results, Files.readString(dir.resolve("P0.log")));
    }

    /** The networked example of docs/library.md is SessionExample's code between the markers, verbatim. */
    @Test
    void readmeQuotesTheNetworkedExampleVerbatim() throws Exception {
        Path root = Path.of(System.getProperty("spdz4j.repoRoot", ".."));
        String source = Files.readString(root.resolve("app/src/test/java/org/spdz4j/app/SessionExample.java"));
        String region = source.substring(source.indexOf("// README-BEGIN\n") + 16, source.indexOf("        // README-END"));
        String quoted = region.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .reduce("", (a, b) -> a + b + "\n");
        assertTrue(Files.readString(root.resolve("docs/library.md")).contains(quoted),
                "docs/library.md must quote SessionExample between the markers verbatim");
    }

    @Test
    void aParticipantWithAnotherCertificateStopsAtOnceNamingIt() throws Exception {
        Path config = Launcher.writeKeysAndConfig(dir);
        Process d = Launcher.start(SessionExample.class, List.of("DEALER", config.toString(), dir.toString()),
                dir.resolve("DEALER.log"), false);
        Process p0 = Launcher.start(SessionExample.class, List.of("P0", config.toString(), dir.toString()),
                dir.resolve("P0.log"), false);
        // P1 with another key directory: its certificate is not the configured one, so it exits at once
        Path otherKeys = dir.resolve("other");
        Launcher.writeKeysAndConfig(otherKeys);
        Process p1 = Launcher.start(SessionExample.class, List.of("P1", config.toString(), otherKeys.toString()),
                dir.resolve("P1.log"), false);
        try {
            assertTrue(p1.waitFor(30, TimeUnit.SECONDS));
            assertNotEquals(0, p1.exitValue());
            assertTrue(Files.readString(dir.resolve("P1.log")).contains("is not the one the configuration names for P1"),
                    Files.readString(dir.resolve("P1.log")));
        } finally {
            for (Process p : List.of(d, p0, p1)) {
                p.destroyForcibly();
            }
        }
    }
}
