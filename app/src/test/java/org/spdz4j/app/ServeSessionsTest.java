package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.transport.Mismatch;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;

/** {@code spdz serve}'s session loop: which failures cost a session only and which end the process. */
class ServeSessionsTest {
    /**
     * A session's scripted outcome: it answers a client, answers nobody, breaks once in, never
     * connects, or finds a server of another plan once in.
     */
    private enum Outcome { ANSWERED, NOBODY, BROKE, NEVER_CONNECTED, MISMATCH }

    /** Runs the loop over sessions scripted by {@code outcomes}, in order, adding each session it runs to {@code ran}. */
    private static void serve(int sessions, List<Outcome> outcomes, List<Integer> ran) throws Exception {
        ServeCommand.serveSessions(Role.P0, sessions, (n, broke) -> {
            ran.add(n);
            Outcome o = outcomes.get(n - 1);
            return ReconnectOptions.runOrBreak(body -> {
                if (o == Outcome.NEVER_CONNECTED) {
                    throw new ProtocolException("P1 did not connect within 5 s (session " + n + ")");
                }
                return body.run(null);
            }, t -> {
                if (o == Outcome.BROKE) {
                    throw new ProtocolException("DEALER closed the connection (session " + n + ")");
                }
                if (o == Outcome.MISMATCH) {
                    throw new Mismatch("another plan: P1 runs batch = 8 but P0 runs 100 (session " + n + ")");
                }
                return o == Outcome.ANSWERED;
            }, broke);
        });
    }

    @Test
    void brokenSessionsCostThemselvesOnlyAndOnlyAnsweredSessionsCount() throws Exception {
        var o = List.of(Outcome.BROKE, Outcome.ANSWERED, Outcome.BROKE, Outcome.BROKE, Outcome.NOBODY, Outcome.BROKE,
                Outcome.ANSWERED, Outcome.ANSWERED);
        List<Integer> ran = new ArrayList<>();
        serve(2, o, ran);
        assertEquals(List.of(1, 2, 3, 4, 5, 6, 7), ran,
                "two breaks in a row, then a session: the count starts again; a session without clients does not count");
    }

    @Test
    void theThirdBrokenSessionInARowEndsTheProcessWithItsFailure() throws Exception {
        var o = List.of(Outcome.ANSWERED, Outcome.BROKE, Outcome.BROKE, Outcome.BROKE, Outcome.ANSWERED);
        List<Integer> ran = new ArrayList<>();
        ProtocolException e = assertThrows(ProtocolException.class, () -> serve(0, o, ran));
        assertEquals("DEALER closed the connection (session 4)", e.getMessage());
        assertEquals(List.of(1, 2, 3, 4), ran);
        assertEquals(3, ServeCommand.MOST_FAILED_IN_A_ROW);
    }

    @Test
    void aSessionWhosePeersNeverConnectEndsTheProcessAtOnce() throws Exception {
        var o = List.of(Outcome.BROKE, Outcome.NEVER_CONNECTED, Outcome.ANSWERED);
        List<Integer> ran = new ArrayList<>();
        ProtocolException e = assertThrows(ProtocolException.class, () -> serve(0, o, ran));
        assertEquals("P1 did not connect within 5 s (session 2)", e.getMessage());
        assertEquals(List.of(1, 2), ran);
    }

    @Test
    void aServerOfAnotherPlanEndsTheProcessAtOnceThoughItsSessionHadBegun() throws Exception {
        var o = List.of(Outcome.ANSWERED, Outcome.MISMATCH, Outcome.ANSWERED);
        List<Integer> ran = new ArrayList<>();
        Mismatch e = assertThrows(Mismatch.class, () -> serve(0, o, ran));
        assertEquals("another plan: P1 runs batch = 8 but P0 runs 100 (session 2)", e.getMessage());
        assertEquals(List.of(1, 2), ran, "another session would meet it again");
    }
}
