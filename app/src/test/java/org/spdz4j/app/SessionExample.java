package org.spdz4j.app;

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
 * runs one participant (P0, P1 or DEALER) of a secure matmul and square over TLS; P0 prints the
 * revealed result. The code between the markers is docs/library.md's networked example, verbatim.
 */
public final class SessionExample {
    private SessionExample() {
    }

    public static void main(String[] args) throws Exception {
        // README-BEGIN
        Role self = Role.parse(args[0]);                                 // this process: P0, P1 or DEALER
        Topology topology = RunConfig.read(Path.of(args[1])).topology(); // every address and pinned certificate
        Path keys = Path.of(args[2]);                                    // this role's key and certificate
        SecureProgram<double[]> program = s -> {                         // the same program everywhere
            SecretTensor x = s.input(Role.P0, new double[]{1, 2, 3, 4}, Shape.of(2, 2));     // read only at P0
            SecretTensor w = s.input(Role.P1, new double[]{0.5, 0, 0, 0.5}, Shape.of(2, 2)); // read only at P1
            return s.reveal(s.add(s.matmul(x, w), s.square(x)));
        };
        Duration timeout = Duration.ofSeconds(60);
        double[] y = null;
        if (self.equals(Role.DEALER)) {
            NetworkRunner.run(self, topology, keys, timeout,
                    t -> { Session.runDealer(t, "example", FixedPoint.DEFAULT, program); return null; });
        } else {                                                         // P0 or P1, each with its own key
            y = NetworkRunner.run(self, topology, keys, timeout,
                    t -> Session.runParty(t, "example", FixedPoint.DEFAULT, program));
        }
        // README-END
        if (Role.P0.equals(self)) {
            System.out.println("RESULT " + Arrays.toString(y));
        }
        System.out.println(self + " done");
    }
}
