package org.spdz4j.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;

/** A byte message longer than one frame is refused at the sender, naming the limit, instead of failing the link. */
class NettyLimitsTest {
    @Test
    void aByteMessageBeyondOneFrameIsRefusedAtTheSender() {
        Transport[] t = NettyConformanceTest.connectAll(null);
        try {
            Tag tag = new Tag(Tag.Kind.WEIGHTS, 0, 0);
            byte[] largest = new byte[NettyTransport.MAX_BYTES_PAYLOAD];
            largest[largest.length - 1] = 7;
            t[0].sendBytes(Role.P1, tag, largest);
            assertArrayEquals(largest, t[1].receiveBytes(Role.P0, tag), "the largest message that fits arrives whole");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> t[0].sendBytes(Role.P1, new Tag(Tag.Kind.WEIGHTS, 1, 0), new byte[NettyTransport.MAX_BYTES_PAYLOAD + 1]));
            assertTrue(e.getMessage().contains("exceeds one frame") && e.getMessage().contains("to P1"), e.getMessage());
            t[0].sendBytes(Role.P1, new Tag(Tag.Kind.WEIGHTS, 2, 0), new byte[]{1});
            assertArrayEquals(new byte[]{1}, t[1].receiveBytes(Role.P0, new Tag(Tag.Kind.WEIGHTS, 2, 0)), "the link still works");
        } finally {
            for (Transport x : t) {
                x.close();
            }
        }
    }
}
