package org.spdz4j.app;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Topology;
import org.spdz4j.net.NetworkRunner;
import org.spdz4j.run.RunConfig;
import org.spdz4j.triples.SecretTensor;
import org.spdz4j.triples.SecureProgram;
import org.spdz4j.triples.Session;

/**
 * A library user's program as its own process: {@code SessionExample <ROLE> <run.yaml> <keys>}
 * runs one participant (P0, P1 or DEALER) of a secure matmul, square and convolution over TLS;
 * P0 prints the revealed results, one line each.
 */
public final class SessionExample {
    static final Shape X = Shape.of(6, 5);
    static final Shape W = Shape.of(5, 4);
    static final Shape IMAGE = Shape.of(2, 2, 6, 6);
    static final Shape KERNEL = Shape.of(3, 2, 3, 3);

    private SessionExample() {
    }

    /** Deterministic values in [-2, 2). */
    static double[] values(long seed, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) {
            v[i] = Math.floorMod(i * 7919L + seed * 104729L, 4000L) / 1000.0 - 2;
        }
        return v;
    }

    /** P0 owns x and the image, P1 w and the kernel; each reads only its own. */
    static SecureProgram<double[][]> program() {
        return s -> {
            boolean p0 = Role.P0.equals(s.role());
            boolean p1 = Role.P1.equals(s.role());
            SecretTensor x = s.input(Role.P0, p0 ? values(1, X.size()) : null, X);
            SecretTensor w = s.input(Role.P1, p1 ? values(2, W.size()) : null, W);
            SecretTensor img = s.input(Role.P0, p0 ? values(3, IMAGE.size()) : null, IMAGE);
            SecretTensor k = s.input(Role.P1, p1 ? values(4, KERNEL.size()) : null, KERNEL);
            return new double[][]{s.reveal(s.matmul(x, w)), s.reveal(s.square(x)), s.reveal(s.conv2d(img, k, 1, 1))};
        };
    }

    public static void main(String[] args) throws Exception {
        Role self = Role.parse(args[0]);
        RunConfig config = RunConfig.read(Path.of(args[1]));
        Path keys = Path.of(args[2]);
        InetSocketAddress p0Address = config.endpoints().get(Role.P0);
        InetSocketAddress p1Address = config.endpoints().get(Role.P1);
        InetSocketAddress dealerAddress = config.endpoints().get(Role.DEALER);
        String p0Fingerprint = config.fingerprints().get(Role.P0);
        String p1Fingerprint = config.fingerprints().get(Role.P1);
        String dealerFingerprint = config.fingerprints().get(Role.DEALER);
        SecureProgram<double[][]> program = program();
        double[][] y = null;
        // README-BEGIN
        Topology topology = Topology.builder()                 // the same at every participant
                .participant(Role.P0, p0Address, p0Fingerprint)
                .participant(Role.P1, p1Address, p1Fingerprint)
                .participant(Role.DEALER, dealerAddress, dealerFingerprint)
                .build();                                      // link(a, b) adds links beyond the default ones
        Duration timeout = Duration.ofSeconds(60);
        if (self.equals(Role.DEALER)) {
            NetworkRunner.run(self, topology, keys, timeout,
                    t -> { Session.runDealer(t, "example", FixedPoint.DEFAULT, program); return null; });
        } else {                                               // P0 or P1, each with its own key in keys/
            y = NetworkRunner.run(self, topology, keys, timeout,
                    t -> Session.runParty(t, "example", FixedPoint.DEFAULT, program));
        }
        // README-END
        if (Role.P0.equals(self)) {
            for (double[] o : y) {
                System.out.println("RESULT " + Arrays.toString(o));
            }
        }
        System.out.println(self + " done");
    }
}
