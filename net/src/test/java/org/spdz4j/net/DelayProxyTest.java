package org.spdz4j.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The WAN harness's proxy: a round trip takes the configured delay, a transfer the configured bandwidth, bytes intact. */
class DelayProxyTest {
    /** An echo server on a free loopback port, on a daemon thread; returns its address. */
    private static InetSocketAddress echo(ServerSocket server) {
        Thread t = new Thread(() -> {
            try (Socket s = server.accept()) {
                InputStream in = s.getInputStream();
                OutputStream out = s.getOutputStream();
                byte[] buf = new byte[1 << 16];
                for (int n; (n = in.read(buf)) > 0; ) {
                    out.write(buf, 0, n);
                    out.flush();
                }
            } catch (java.io.IOException ignored) {
                // the test ended the connection
            }
        });
        t.setDaemon(true);
        t.start();
        return new InetSocketAddress("127.0.0.1", server.getLocalPort());
    }

    private static long roundTripNanos(Socket s, byte[] payload) throws Exception {
        long start = System.nanoTime();
        s.getOutputStream().write(payload);
        s.getOutputStream().flush();
        byte[] back = new byte[payload.length];
        new DataInputStream(s.getInputStream()).readFully(back);
        long nanos = System.nanoTime() - start;
        assertArrayEquals(payload, back, "bytes arrive intact and in order");
        return nanos;
    }

    @Test
    void aRoundTripTakesTwiceTheOneWayDelayAndATransferItsSizeOverTheBandwidth() throws Exception {
        try (ServerSocket server = new ServerSocket(0);
             DelayProxy wan = DelayProxy.start(echo(server), Duration.ofMillis(40), 100_000_000);
             Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(wan.address());
            roundTripNanos(s, new byte[]{1}); // connection set up
            long small = roundTripNanos(s, new byte[]{7});
            assertTrue(small >= 80_000_000L && small < 80_000_000L + 400_000_000L,
                    "a 1-byte round trip takes 2 x 40 ms: " + small / 1e6 + " ms");
            byte[] big = new byte[2 << 20];
            for (int i = 0; i < big.length; i++) {
                big[i] = (byte) (i * 31);
            }
            long transfer = roundTripNanos(s, big);
            // 2 MiB at 100 Mbit/s is 168 ms each way; the echo's way overlaps the first, the delays add 80 ms
            assertTrue(transfer >= 168_000_000L + 80_000_000L, "2 MiB through the 100 Mbit/s link and back: "
                    + transfer / 1e6 + " ms");
            // each way carried the two bytes and the 2 MiB, and was busy their size over the bandwidth: 80 ns a byte
            long carried = big.length + 2L;
            assertEquals(carried, wan.towardTarget().bytes());
            assertEquals(carried, wan.fromTarget().bytes());
            assertEquals(carried * 80L, wan.towardTarget().busy().toNanos());
            assertEquals(carried * 80L, wan.fromTarget().busy().toNanos());
        }
    }

    @Test
    void manySmallWritesUnderABandwidthLimitArriveInOrder() throws Exception {
        try (ServerSocket server = new ServerSocket(0);
             DelayProxy wan = DelayProxy.start(echo(server), Duration.ofMillis(1), 1_000_000_000);
             Socket s = new Socket()) {
            s.setTcpNoDelay(true);
            s.connect(wan.address());
            byte[] all = new byte[200_000];
            for (int i = 0; i < all.length; i++) {
                all[i] = (byte) (i * 7 + i / 251);
            }
            Thread writer = new Thread(() -> {
                try {
                    for (int i = 0; i < all.length; i += 13) { // 13-byte writes: chunks of every size reach the proxy
                        s.getOutputStream().write(all, i, Math.min(13, all.length - i));
                    }
                } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            writer.start();
            byte[] back = new byte[all.length];
            new DataInputStream(s.getInputStream()).readFully(back);
            writer.join();
            assertArrayEquals(all, back, "every byte in order");
        }
    }

    @Test
    void withoutDelayOrLimitBytesPassAtOnce() throws Exception {
        try (ServerSocket server = new ServerSocket(0);
             DelayProxy wan = DelayProxy.start(echo(server), Duration.ZERO, 0);
             Socket s = new Socket()) {
            s.connect(wan.address());
            roundTripNanos(s, new byte[]{1});
            assertTrue(roundTripNanos(s, new byte[1 << 20]) < 2_000_000_000L, "1 MiB through a proxy with no delay");
        }
    }
    @Test
    void aCutDropsTheConnectionsItCarriesAndTheNextDialGetsThrough() throws Exception {
        try (ServerSocket server = new ServerSocket(0);
             DelayProxy wan = DelayProxy.start(echo(server), Duration.ZERO, 0)) {
            echo(server); // the target accepts a second connection, after the cut
            try (Socket s = new Socket()) {
                s.connect(wan.address());
                roundTripNanos(s, new byte[]{1});
                wan.cut();
                s.setSoTimeout(10_000);
                int read;
                try {
                    read = s.getInputStream().read();
                } catch (java.net.SocketException reset) {
                    read = -1;
                }
                assertEquals(-1, read, "the dialler sees its connection end");
            }
            try (Socket again = new Socket()) {
                again.connect(wan.address());
                roundTripNanos(again, new byte[]{2, 3});
            }
        }
    }
}
