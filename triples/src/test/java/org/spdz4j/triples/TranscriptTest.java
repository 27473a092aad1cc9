package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Mismatch;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;

/**
 * Both parties must run the same program: each opening carries the digest of the operations so
 * far, and at the first opening after a difference both stop, naming the first operation that
 * differs on each side. Before this check the programs below ran to the end and revealed
 * garbage (the openings mixed two tensors).
 */
class TranscriptTest {
    private static final Shape SHAPE = Shape.of(2, 2);
    private static final double[] X = {0.5, -1.0, 0.25, 2.0};
    private static final double[] Y = {1.5, 0.5, -2.0, 0.75};

    @Test
    void swappedOperandsAreStoppedAtTheFirstOpeningNamingBothSides() {
        Mismatch e = assertThrows(Mismatch.class, () -> Session.runLocal(s -> {
            SecretTensor x = s.input(Role.P0, X, SHAPE);
            SecretTensor y = s.input(Role.P1, Y, SHAPE);
            return s.reveal(Role.P0.equals(s.role()) ? s.mul(x, y) : s.mul(y, x));
        }));
        String m = e.getMessage();
        assertTrue(m.contains("run different programs") && m.contains("operation 3"), m);
        assertTrue(m.contains("'#2 = elementwise(#0, #1)' at P0") || m.contains("'#2 = elementwise(#0, #1)' at P1"), m);
        assertTrue(m.contains("'#2 = elementwise(#1, #0)' at P1") || m.contains("'#2 = elementwise(#1, #0)' at P0"), m);
    }

    /** The realistic form: a HashSet of tensors iterates by identity hash code, in each party's own order. */
    @Test
    void aHashSetIterationOrderIsStoppedNotComputed() {
        int stopped = 0;
        for (int attempt = 0; attempt < 5; attempt++) {
            try {
                Session.runLocal(s -> {
                    Set<SecretTensor> set = new HashSet<>();
                    for (int i = 0; i < 6; i++) {
                        set.add(s.input(Role.P0, X, SHAPE));
                    }
                    SecretTensor acc = s.input(Role.P1, Y, SHAPE);
                    for (SecretTensor t : set) { // each party's own order: the products pair other tensors
                        acc = s.mul(acc, t);
                    }
                    return s.reveal(acc);
                });
            } catch (ProtocolException e) {
                assertTrue(e.getMessage().contains("run different programs") && e.getMessage().contains("HashSet"),
                        e.getMessage());
                stopped++;
            }
        }
        // 6! orders: the two parties' sets iterate alike in about 1 run of 720; stopped in (almost) every run
        assertTrue(stopped >= 4, stopped + " of 5 runs stopped");
    }

    @Test
    void anotherPublicConstantOrAnotherOperationIsStopped() {
        ProtocolException constant = assertThrows(ProtocolException.class, () -> Session.runLocal(s -> {
            SecretTensor x = s.input(Role.P0, X, SHAPE);
            return s.reveal(s.scale(x, Role.P0.equals(s.role()) ? 2.0 : 3.0));
        }));
        assertTrue(constant.getMessage().contains("'#1 = scale 2.0(#0)'")
                && constant.getMessage().contains("'#1 = scale 3.0(#0)'"), constant.getMessage());
        ProtocolException op = assertThrows(ProtocolException.class, () -> Session.runLocal(s -> {
            SecretTensor x = s.input(Role.P0, X, SHAPE);
            SecretTensor y = s.input(Role.P1, Y, SHAPE);
            return s.reveal(Role.P0.equals(s.role()) ? s.add(x, y) : s.sub(x, y));
        }));
        assertTrue(op.getMessage().contains("'#2 = add(#0, #1)'") && op.getMessage().contains("'#2 = sub(#0, #1)'"),
                op.getMessage());
    }

    /** The same program in a fixed order runs as before (the digest rides on the openings). */
    @Test
    void theSameProgramRunsAndItsResultIsExact() {
        double[] r = Session.runLocal(s -> {
            List<SecretTensor> list = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                list.add(s.input(Role.P0, X, SHAPE));
            }
            SecretTensor acc = s.input(Role.P1, Y, SHAPE);
            for (SecretTensor t : list) {
                acc = s.add(acc, t);
            }
            SecretTensor half = s.revealTo(Role.P0, acc) == null ? acc : acc; // a reveal to one party, then more
            return s.reveal(s.mul(half, s.input(Role.P1, Y, SHAPE)));
        }).p0();
        double[] expected = new double[4];
        for (int i = 0; i < 4; i++) {
            expected[i] = (Y[i] + 3 * X[i]) * Y[i];
        }
        assertArrayEquals(expected, r, 1e-5);
    }
}
