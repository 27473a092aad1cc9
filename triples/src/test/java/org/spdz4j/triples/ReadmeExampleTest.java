package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;

/** README's embedding example, verbatim (between the markers), run on every CI build. */
class ReadmeExampleTest {

    @Test
    void readmeExampleRunsAndIsQuotedVerbatim() throws IOException {
        // README-BEGIN
        double[] images = {0.1, 0.9, 0.4, 0.7, 0.2, 0.3};            // P0's secret, 2 x 3
        double[] weights = {0.5, -1.0, 0.25, 2.0, 1.0, -0.5};        // P1's secret, 3 x 2
        SecureProgram<double[]> program = s -> {
            SecretTensor x = s.input(Role.P0, images, Shape.of(2, 3));   // read only at P0
            SecretTensor w = s.input(Role.P1, weights, Shape.of(3, 2));  // read only at P1
            SecretTensor y = s.matmul(x, w);                             // x and w opened in one round
            SecretTensor energy = s.sum(s.square(y));                    // y opened once, truncation automatic
            s.revealTo(Role.P0, energy);                                 // P0 learns the sum, P1 nothing
            return s.reveal(y);                                          // both learn y
        };
        LocalComputation.Result<double[]> r = Session.runLocal(program); // dealer, P0, P1 as threads
        double[] y = r.p0();                                             // {0.75, 1.0, 1.95, -0.05}
        // README-END
        double[] expected = {0.1 * 0.5 + 0.9 * 0.25 + 0.4 * 1.0, 0.1 * -1.0 + 0.9 * 2.0 + 0.4 * -0.5,
                0.7 * 0.5 + 0.2 * 0.25 + 0.3 * 1.0, 0.7 * -1.0 + 0.2 * 2.0 + 0.3 * -0.5};
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i], y[i], 1e-5);
            assertEquals(y[i], r.p1()[i]);
        }
        assertTrue(readme().contains(quoted()), "README.md must quote the example between the markers verbatim");
    }

    @Test
    void revealToGivesTheOtherPartyNothing() {
        LocalComputation.Result<double[]> r = Session.runLocal(s ->
                s.revealTo(Role.P0, s.sum(s.input(Role.P1, new double[]{1.5, 2.5}, Shape.of(2)))));
        assertEquals(4.0, r.p0()[0], 1e-5);
        assertNull(r.p1());
    }

    /** The lines between the markers of this file, indentation removed. */
    private static String quoted() throws IOException {
        String source = Files.readString(root().resolve("triples/src/test/java/org/spdz4j/triples/ReadmeExampleTest.java"));
        String region = source.substring(source.indexOf("// README-BEGIN\n") + 16, source.indexOf("        // README-END"));
        return region.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .reduce("", (a, b) -> a + b + "\n");
    }

    private static String readme() throws IOException {
        return Files.readString(root().resolve("README.md"));
    }

    private static Path root() {
        return Path.of(System.getProperty("spdz4j.repoRoot", ".."));
    }
}
