package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
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
        double[] y = r.p0();                                             // {0.675, 1.5, 0.7, -0.45}
        // README-END
        double[] expected = {0.1 * 0.5 + 0.9 * 0.25 + 0.4 * 1.0, 0.1 * -1.0 + 0.9 * 2.0 + 0.4 * -0.5,
                0.7 * 0.5 + 0.2 * 0.25 + 0.3 * 1.0, 0.7 * -1.0 + 0.2 * 2.0 + 0.3 * -0.5};
        for (int i = 0; i < 4; i++) {
            assertEquals(expected[i], y[i], 1e-5);
            assertEquals(y[i], r.p1()[i]);
        }
        assertTrue(readme().contains(quoted("README")), "README.md must quote the example between the markers verbatim");
    }

    @Test
    void readmeLowLevelExampleRunsAndIsQuotedVerbatim() throws IOException {
        FixedPoint fp = FixedPoint.DEFAULT;
        double[] x = new double[128 * 784];
        double[] w = new double[10 * 784];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i % 29) / 29.0;
        }
        for (int i = 0; i < w.length; i++) {
            w[i] = (i % 13 - 6) / 100.0;
        }
        Ring128Tensor images = fp.encode(Shape.of(128, 784), x);
        Ring128Tensor weights = fp.encode(Shape.of(10, 784), w);
        // LOW-LEVEL-BEGIN
        Plan.Builder b = Plan.builder("example");
        PlanEntry.Mask mx = b.mask(Shape.of(128, 784));
        PlanEntry.Mask mw = b.mask(Shape.of(10, 784));
        PlanEntry.Product xw = b.product(BilinearOps.matmul(false, true), mx, mw, 20); // shapes checked, truncated by 20
        Plan plan = b.build();
        LocalComputation.Result<Ring128Tensor> r = LocalComputation.run(plan, 1, AesCtrPrg.freshSeed(), fp,
                (party, randomness) -> {                    // each party, after the handshake (done here)
                    party.beginStep(0, randomness.forStep(0));
                    Ring128Tensor xShare = party.shareInput(Role.P0, images, Shape.of(128, 784), 0); // read at P0
                    Ring128Tensor wShare = party.shareInput(Role.P1, weights, Shape.of(10, 784), 1); // read at P1
                    List<MaskedTensor> m = party.maskAll(List.of(xShare, wShare), List.of(mx, mw)); // one round
                    return party.open(party.multiply(xw, m.get(0), m.get(1))); // refuses other masks' operands
                });
        // LOW-LEVEL-END
        double[] y = fp.decode(r.p0());
        for (int i = 0; i < 128; i++) {
            for (int j = 0; j < 10; j++) {
                double expected = 0;
                for (int k = 0; k < 784; k++) {
                    expected += x[i * 784 + k] * w[j * 784 + k];
                }
                assertEquals(expected, y[i * 10 + j], 1e-4, "y[" + i + "][" + j + "]");
            }
        }
        assertTrue(readme().contains(quoted("LOW-LEVEL")), "README.md must quote the low-level example verbatim");
    }

    @Test
    void revealToGivesTheOtherPartyNothing() {
        LocalComputation.Result<double[]> r = Session.runLocal(s ->
                s.revealTo(Role.P0, s.sum(s.input(Role.P1, new double[]{1.5, 2.5}, Shape.of(2)))));
        assertEquals(4.0, r.p0()[0], 1e-5);
        assertNull(r.p1());
    }

    /** The lines between this file's markers {@code <name>-BEGIN} and {@code <name>-END}, indentation removed. */
    private static String quoted(String name) throws IOException {
        String source = Files.readString(root().resolve("triples/src/test/java/org/spdz4j/triples/ReadmeExampleTest.java"));
        String begin = "// " + name + "-BEGIN\n";
        String region = source.substring(source.indexOf(begin) + begin.length(), source.indexOf("        // " + name + "-END"));
        return region.lines().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .reduce("", (a, b) -> a + b + "\n");
    }

    /** README.md and docs/library.md, where the examples are quoted (the facade's in README, the low-level one in docs). */
    private static String readme() throws IOException {
        return Files.readString(root().resolve("README.md")) + Files.readString(root().resolve("docs/library.md"));
    }

    private static Path root() {
        return Path.of(System.getProperty("spdz4j.repoRoot", ".."));
    }
}
