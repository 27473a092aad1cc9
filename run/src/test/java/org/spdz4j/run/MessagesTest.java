package org.spdz4j.run;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.transport.InMemoryNetwork;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.Transport;

/** Messages larger than a frame: in pieces, bit for bit, and refused when they do not fit what is expected. */
class MessagesTest {
    private static final Role A = Role.parse("HOLDER0");
    private static final Role B = Role.parse("LABELS");

    @Test
    void aCutLayersActivationsGoInPiecesAndArriveBitForBit() {
        InMemoryNetwork net = new InMemoryNetwork(List.of(A, B), java.time.Duration.ofSeconds(10), 1L << 30);
        Transport a = net.transport(A);
        Transport b = net.transport(B);
        SplittableRandom r = new SplittableRandom(5);
        double[] big = r.doubles(128 * 3136).toArray(); // 3.2 MB: seven pieces
        big[7] = -0.0;
        big[8] = Double.MIN_VALUE;
        double[] small = {1.5, Double.NaN};
        Messages.sendDoubles(a, B, Tag.Kind.INPUT, 3, List.of(big, small));
        List<double[]> got = Messages.receiveDoubles(b, A, Tag.Kind.INPUT, 3, new int[]{big.length, 2});
        assertArrayEquals(big, got.get(0));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(got.get(0)[7]));
        assertTrue(Double.isNaN(got.get(1)[1]));
        long bytes = 4 + 4L * 2 + 8L * (big.length + 2); // count, two lengths, the doubles
        assertEquals(bytes + 4, b.traffic().total(A, TrafficCounter.Direction.RECEIVED).bytes(), "payload, lengths, total");
    }

    @Test
    void arraysOfOtherLengthsAreRefusedNamingBoth() {
        InMemoryNetwork net = new InMemoryNetwork(List.of(A, B), java.time.Duration.ofSeconds(10), 1L << 30);
        Messages.sendDoubles(net.transport(A), B, Tag.Kind.WEIGHTS, 0, List.of(new double[3], new double[4]));
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> Messages.receiveDoubles(net.transport(B), A, Tag.Kind.WEIGHTS, 0, new int[]{3, 5}));
        assertTrue(e.getMessage().contains("expected arrays of lengths [3, 5] from HOLDER0") && e.getMessage().contains("[3, 4]"),
                e.getMessage());
    }
}
