package org.spdz4j.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;

/** What a party refuses, each failing with a clear message within the timeout. */
class NettyRefusalTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(5);

    @Test
    void aPeerWithAnUnknownCertificateIsRefused() {
        Map<Role, TlsIdentity> ids = NettyConformanceTest.identities();
        TlsIdentity.Generated stranger = TlsIdentity.generate(Role.DEALER);
        ids.put(Role.DEALER, new TlsIdentity(stranger.key(), stranger.certificate(), ids.get(Role.DEALER).pinned()));
        ProtocolException e = connectFails(ids, Role.P0);
        assertTrue(e.getMessage().contains("DEALER") || e.getMessage().contains("TLS"), e.getMessage());
    }

    @Test
    void plainTcpToATlsPartyIsRefused() {
        Map<Role, InetSocketAddress> at = Ports.loopback();
        Map<Role, TlsIdentity> ids = NettyConformanceTest.identities();
        CompletableFuture<NettyTransport> p0 = CompletableFuture.supplyAsync(
                () -> NettyTransport.connect(Role.P0, at, ids.get(Role.P0), TIMEOUT));
        CompletableFuture<NettyTransport> p1 = CompletableFuture.supplyAsync(
                () -> NettyTransport.connect(Role.P1, at, null, TIMEOUT));
        assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            assertThrows(CompletionException.class, p0::join);
            assertThrows(CompletionException.class, p1::join);
        });
    }

    @Test
    void garbageFramesFailTheReceiverClearly() throws IOException {
        try (Rig rig = new Rig()) {
            rig.p1.write(new byte[]{0, 0, 0, 12, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1}); // unknown frame type 9
            rig.assertReceiveFails("unknown frame type 9");
        }
    }

    @Test
    void anOversizedFrameIsRefusedBeforeAllocating() throws IOException {
        try (Rig rig = new Rig()) {
            rig.p1.writeInt(Integer.MAX_VALUE);
            rig.p1.write(new byte[64]);
            rig.p1.flush();
            rig.assertReceiveFails("larger than");
        }
    }

    @Test
    void aTensorLargerThanTheLimitIsRefused() throws IOException {
        try (Rig rig = new Rig()) {
            rig.p1.writeInt(10 + 1 + 8);
            rig.p1.write(new byte[]{Frames.TENSOR, (byte) Tag.Kind.OPEN.ordinal(), 0, 0, 0, 0, 0, 0, 0, 0, 2});
            rig.p1.writeInt(1 << 20);
            rig.p1.writeInt(1 << 20);
            rig.p1.flush();
            rig.assertReceiveFails("limit");
        }
    }

    @Test
    void aTruncatedTensorEndsWithTheSenderNamed() throws IOException {
        try (Rig rig = new Rig()) {
            rig.p1.writeInt(10 + 1 + 4);
            rig.p1.write(new byte[]{Frames.TENSOR, (byte) Tag.Kind.OPEN.ordinal(), 0, 0, 0, 0, 0, 0, 0, 0, 1});
            rig.p1.writeInt(1000);
            rig.p1.writeInt(10 + 4 + 16 * 10);       // a chunk of 10 elements of the 1000...
            rig.p1.write(new byte[]{Frames.CHUNK, (byte) Tag.Kind.OPEN.ordinal(), 0, 0, 0, 0, 0, 0, 0, 0});
            rig.p1.writeInt(0);
            rig.p1.write(new byte[16 * 4]);           // ...cut off mid-frame
            rig.p1.flush();
            rig.p1socket.close();
            rig.assertReceiveFails("P1 closed the connection");
        }
    }

    /** A version this one does not speak: the next one. */
    private static final int OTHER_VERSION = Frames.PROTOCOL_VERSION + 1;

    @Test
    void anotherProtocolVersionIsDroppedAndNamedWhenTheWaitEnds() throws IOException {
        Map<Role, InetSocketAddress> at = Ports.loopback();
        CompletableFuture<NettyTransport> p0 = CompletableFuture.supplyAsync(
                () -> NettyTransport.connect(Role.P0, at, null, TIMEOUT));
        try (Socket s = dial(at.get(Role.P0))) {
            DataOutputStream out = new DataOutputStream(s.getOutputStream());
            out.write(hello(Role.P1, OTHER_VERSION));
            out.flush();
            CompletionException e = assertThrows(CompletionException.class, p0::join);
            assertTrue(e.getCause().getMessage().contains("waiting for P1 and DEALER to connect")
                    && e.getCause().getMessage().contains("peer speaks protocol version " + OTHER_VERSION + ", this is version "
                    + Frames.PROTOCOL_VERSION), e.getCause().getMessage());
        }
    }

    @Test
    void aDialerMeetingAnotherProtocolVersionFailsAtOnceNamingIt() throws IOException {
        Map<Role, InetSocketAddress> at = Ports.loopback();
        try (java.net.ServerSocket fake = new java.net.ServerSocket(at.get(Role.P0).getPort())) {
            CompletableFuture<NettyTransport> p1 = CompletableFuture.supplyAsync(
                    () -> NettyTransport.connect(Role.P1, at, null, Duration.ofSeconds(30)));
            try (Socket s = fake.accept()) {
                s.getOutputStream().write(hello(Role.P0, OTHER_VERSION));
                s.getOutputStream().flush();
                CompletionException e = assertTimeoutPreemptively(Duration.ofSeconds(10),
                        () -> assertThrows(CompletionException.class, p1::join));
                assertTrue(e.getCause().getMessage().startsWith("P1 could not connect to P0 at ")
                        && e.getCause().getMessage().contains("peer speaks protocol version " + OTHER_VERSION), e.getCause().getMessage());
            }
        }
    }

    @Test
    void wireBytesAreThePayloadPlusFrameHeaders() {
        Map<Role, InetSocketAddress> at = Ports.loopback();
        Map<Role, CompletableFuture<NettyTransport>> f = new java.util.LinkedHashMap<>();
        for (Role r : java.util.List.of(Role.P0, Role.P1, Role.DEALER)) {
            f.put(r, CompletableFuture.supplyAsync(() -> NettyTransport.connect(r, at, null, TIMEOUT)));
        }
        try (NettyTransport p0 = f.get(Role.P0).join(); NettyTransport p1 = f.get(Role.P1).join();
             NettyTransport d = f.get(Role.DEALER).join()) {
            long before = p0.wireBytesSent();
            int n = 100_000; // two chunks
            p0.send(Role.P1, new Tag(Tag.Kind.OPEN, 0, 0), Ring128Tensor.zeros(Shape.of(n)));
            p1.receive(Role.P0, new Tag(Tag.Kind.OPEN, 0, 0));
            long headers = (4 + Frames.HEADER_BYTES + 1 + 4) + 2L * (4 + Frames.HEADER_BYTES + 4);
            assertEquals(16L * n + headers, p0.wireBytesSent() - before);
        }
    }

    @Test
    void aReaderThatFallsBehindHoldsTheSenderBackInsteadOfBufferingWithoutBound() throws Exception {
        Map<Role, InetSocketAddress> at = Ports.loopback();
        Map<Role, CompletableFuture<NettyTransport>> f = new java.util.LinkedHashMap<>();
        for (Role r : java.util.List.of(Role.P0, Role.P1, Role.DEALER)) {
            f.put(r, CompletableFuture.supplyAsync(() -> NettyTransport.connect(r, at, null, Duration.ofSeconds(30))));
        }
        try (NettyTransport p0 = f.get(Role.P0).join(); NettyTransport p1 = f.get(Role.P1).join();
             NettyTransport d = f.get(Role.DEALER).join()) {
            Ring128Tensor big = Ring128Tensor.zeros(Shape.of(2_000_000)); // 32 MB
            int count = 16;                                              // 512 MB, twice the inbox limit
            java.util.concurrent.atomic.AtomicInteger sent = new java.util.concurrent.atomic.AtomicInteger();
            CompletableFuture<Void> dealer = CompletableFuture.runAsync(() -> {
                for (int i = 0; i < count; i++) {
                    d.send(Role.P1, new Tag(Tag.Kind.CORRECTION, i, 0), big);
                    sent.incrementAndGet();
                }
            });
            Thread.sleep(3000);
            assertTrue(sent.get() < count, "the dealer should be held back, but sent all " + count);
            for (int i = 0; i < count; i++) {
                assertEquals(big.size(), p1.receive(Role.DEALER, new Tag(Tag.Kind.CORRECTION, i, 0)).size());
            }
            dealer.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertEquals(count, sent.get());
        }
    }

    @Test
    void onceEveryPeerIsInTheListenerIsClosedAndTheRunGoesOn() throws Exception {
        try (Rig rig = new Rig()) {
            NettyTransport p0 = rig.p0();
            org.junit.jupiter.api.Assertions.assertFalse(p0.listening(), "the listener closes once every peer is in");
            rig.p1.write(new byte[]{0, 0, 0, 11, Frames.BYTES, (byte) Tag.Kind.OPEN.ordinal(), 0, 0, 0, 0, 0, 0, 0, 0, 42});
            rig.p1.flush();
            assertArrayEquals(new byte[]{42}, p0.receiveBytes(Role.P1, new Tag(Tag.Kind.OPEN, 0, 0)));
        }
    }

    private static ProtocolException connectFails(Map<Role, TlsIdentity> ids, Role watch) {
        Map<Role, InetSocketAddress> at = Ports.loopback();
        Map<Role, CompletableFuture<NettyTransport>> f = new java.util.LinkedHashMap<>();
        for (Role r : java.util.List.of(Role.P0, Role.P1, Role.DEALER)) {
            f.put(r, CompletableFuture.supplyAsync(() -> NettyTransport.connect(r, at, ids.get(r), TIMEOUT)));
        }
        return assertTimeoutPreemptively(Duration.ofSeconds(20), () -> {
            CompletionException e = assertThrows(CompletionException.class, () -> f.get(watch).join());
            for (CompletableFuture<NettyTransport> other : f.values()) {
                other.handle((t, x) -> {
                    if (t != null) {
                        t.close();
                    }
                    return null;
                }).join();
            }
            return (ProtocolException) e.getCause();
        });
    }

    /** A HELLO frame as a peer of {@code role} would write it, in protocol {@code version}. */
    static byte[] hello(Role role, int version) {
        byte[] name = role.name().getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(4 + Frames.HEADER_BYTES + 2 + name.length);
        b.putInt(Frames.HEADER_BYTES + 2 + name.length).put(Frames.HELLO).put(new byte[Frames.HEADER_BYTES - 1])
                .put((byte) version).put((byte) name.length).put(name);
        return b.array();
    }

    static Socket dial(InetSocketAddress at) throws IOException {
        long deadline = System.currentTimeMillis() + 5000;
        while (true) {
            try {
                return new Socket(at.getAddress(), at.getPort());
            } catch (IOException e) {
                if (System.currentTimeMillis() > deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(50);
                } catch (InterruptedException ie) {
                    throw new IOException(ie);
                }
            }
        }
    }

    /** A real P0 whose P1 and dealer are raw sockets under the test's control. */
    private static final class Rig implements AutoCloseable {
        final Map<Role, InetSocketAddress> at = Ports.loopback();
        final Socket p1socket;
        final Socket dealerSocket;
        final DataOutputStream p1;
        final CompletableFuture<NettyTransport> p0;

        Rig() throws IOException {
            p0 = CompletableFuture.supplyAsync(() -> NettyTransport.connect(Role.P0, at, null, TIMEOUT));
            p1socket = dial(at.get(Role.P0));
            dealerSocket = dial(at.get(Role.P0));
            p1 = new DataOutputStream(p1socket.getOutputStream());
            p1.write(hello(Role.P1, Frames.PROTOCOL_VERSION));
            p1.flush();
            new DataOutputStream(dealerSocket.getOutputStream()).write(hello(Role.DEALER, Frames.PROTOCOL_VERSION));
        }

        NettyTransport p0() {
            return p0.join();
        }

        /** P0's next receive from P1 fails with a message containing {@code text}. */
        void assertReceiveFails(String text) {
            ProtocolException e = assertThrows(ProtocolException.class,
                    () -> p0().receive(Role.P1, new Tag(Tag.Kind.OPEN, 0, 0)));
            assertTrue(e.getMessage().contains(text), e.getMessage());
        }

        @Override
        public void close() throws IOException {
            p0.handle((t, x) -> {
                if (t != null) {
                    t.close();
                }
                return null;
            }).join();
            p1socket.close();
            dealerSocket.close();
        }
    }
}
