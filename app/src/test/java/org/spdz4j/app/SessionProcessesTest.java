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
    void matmulSquareAndConvolutionAcrossThreeJvmsEqualPlaintext() throws Exception {
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
        List<double[]> results = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve("P0.log"))) {
            if (line.startsWith("RESULT [")) {
                String[] parts = line.substring(8, line.length() - 1).split(", ");
                results.add(java.util.Arrays.stream(parts).mapToDouble(Double::parseDouble).toArray());
            }
        }
        assertEquals(3, results.size(), Files.readString(dir.resolve("P0.log")));
        double bound = 64 * FixedPoint.DEFAULT.ulp();
        double[] x = SessionExample.values(1, 30);
        double[] w = SessionExample.values(2, 20);
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 4; j++) {
                double expected = 0;
                for (int t = 0; t < 5; t++) {
                    expected += x[i * 5 + t] * w[t * 4 + j];
                }
                assertEquals(expected, results.get(0)[i * 4 + j], bound, "matmul " + i + "," + j);
            }
        }
        for (int i = 0; i < 30; i++) {
            assertEquals(x[i] * x[i], results.get(1)[i], bound, "square " + i);
        }
        // the convolution against the same program in one JVM (SessionTest checks that one against plaintext)
        LocalComputation.Result<double[][]> local = Session.runLocal(SessionExample.program());
        for (int i = 0; i < local.p0()[2].length; i++) {
            assertEquals(local.p0()[2][i], results.get(2)[i], 2 * bound, "conv " + i);
        }
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
