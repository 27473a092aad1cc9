package org.spdz4j.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.SslContext;
import java.lang.reflect.Proxy;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLEngineResult;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.DeviceWords;
import org.spdz4j.core.ring.JavaRingBackend;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.RingBackend;
import org.spdz4j.core.ring.RingBackends;
import org.spdz4j.core.ring.WordSink;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.testing.RingTestSupport;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;

/** The wire's words taken from where a tensor lives, and the two TLS engines speaking to each other. */
class NettyWireTest {

    @Test
    void aTensorInNativeMemoryIsSentWithoutADownloadAndArrivesWhole() {
        Ring128Tensor host = RingTestSupport.randomWithEdges(RingTestSupport.prg(4), Shape.of(3, 50_001), 0);
        AtomicInteger copies = new AtomicInteger();
        Ring128Tensor resident = Ring128Tensor.onDevice(host.shape(), new DeviceWords() {
            @Override
            public void download(long[] hi, long[] lo) {
                throw new AssertionError("the transport downloaded the tensor");
            }

            @Override
            public boolean copyWords(int first, int count, ByteBuffer dst) {
                copies.incrementAndGet();
                host.writeWords(first, count, dst);
                return true;
            }
        });
        Transport[] t = NettyConformanceTest.connectAll(NettyConformanceTest.identities());
        try {
            Tag tag = new Tag(Tag.Kind.OPEN, 0, 0);
            t[0].send(Role.P1, tag, resident);
            Ring128Tensor got = t[1].receive(Role.P0, tag);
            assertEquals(host.shape(), got.shape());
            assertArrayEquals(host.hiWords(), got.hiWords());
            assertArrayEquals(host.loWords(), got.loWords());
            assertEquals((host.size() + Frames.CHUNK_ELEMENTS - 1) / Frames.CHUNK_ELEMENTS, copies.get(),
                    "one copy per chunk");
        } finally {
            for (Transport x : t) {
                x.close();
            }
        }
    }

    /**
     * A ping is answered by the peer's transport while the peer's program waits for nothing, and
     * between the chunks of a tensor the peer is sending: the tensor arrives whole, no round or
     * value is counted for the pings.
     */
    @Test
    void aPingIsAnsweredByThePeersTransportEvenBetweenATensorsChunks() throws Exception {
        Ring128Tensor big = RingTestSupport.randomWithEdges(RingTestSupport.prg(6), Shape.of(4, 70_001), 0);
        Transport[] t = NettyConformanceTest.connectAll(NettyConformanceTest.identities());
        try {
            java.time.Duration idle = t[0].roundTrip(Role.P1).get(10, java.util.concurrent.TimeUnit.SECONDS);
            assertTrue(idle.toNanos() > 0 && idle.toSeconds() < 10, idle.toString());
            Tag tag = new Tag(Tag.Kind.OPEN, 0, 0);
            java.util.concurrent.CompletableFuture<Void> sending = java.util.concurrent.CompletableFuture.runAsync(
                    () -> t[0].send(Role.P1, tag, big));
            for (int i = 0; i < 20; i++) { // P0's transport answers between its chunks
                t[1].roundTrip(Role.P0).get(10, java.util.concurrent.TimeUnit.SECONDS);
            }
            sending.get(30, java.util.concurrent.TimeUnit.SECONDS);
            Ring128Tensor got = t[1].receive(Role.P0, tag);
            assertArrayEquals(big.hiWords(), got.hiWords());
            assertArrayEquals(big.loWords(), got.loWords());
            assertEquals(big.size(), t[1].traffic().total(org.spdz4j.core.transport.TrafficCounter.Direction.RECEIVED)
                    .values(), "the pings are no values");
            assertEquals(0, t[1].traffic().rounds());
        } finally {
            for (Transport x : t) {
                x.close();
            }
        }
    }

    @Test
    void receivedWordsGoStraightIntoTheBackendsSink() {
        Ring128Tensor host = RingTestSupport.randomWithEdges(RingTestSupport.prg(5), Shape.of(2, 70_001), 0);
        AtomicInteger pieces = new AtomicInteger();
        RingBackend java = new JavaRingBackend(1);
        RingBackend withSink = (RingBackend) Proxy.newProxyInstance(RingBackend.class.getClassLoader(),
                new Class<?>[]{RingBackend.class}, (proxy, method, args) -> method.getName().equals("wordSink")
                        ? new HeapSink((Integer) args[0], pieces) : method.invoke(java, args));
        Transport[] t = NettyConformanceTest.connectAll(null);
        RingBackend previous = RingBackends.use(withSink);
        try {
            Tag tag = new Tag(Tag.Kind.OPEN, 0, 0);
            t[0].send(Role.P1, tag, host);
            Ring128Tensor got = t[1].receive(Role.P0, tag);
            assertTrue(got.deviceWords() instanceof HeapSink && !got.isOnHost(), "the words went to the sink");
            assertEquals((host.size() + Frames.CHUNK_ELEMENTS - 1) / Frames.CHUNK_ELEMENTS, pieces.get(), "one piece per chunk");
            assertArrayEquals(host.hiWords(), got.hiWords());
            assertArrayEquals(host.loWords(), got.loWords());
        } finally {
            RingBackends.use(previous);
            for (Transport x : t) {
                x.close();
            }
        }
    }

    /** A sink on the heap, reading the planar little-endian pieces itself. */
    private static final class HeapSink implements WordSink {
        final long[] hi;
        final long[] lo;
        final AtomicInteger pieces;

        HeapSink(int size, AtomicInteger pieces) {
            this.hi = new long[size];
            this.lo = new long[size];
            this.pieces = pieces;
        }

        @Override
        public void readWords(int first, int count, ByteBuffer src) {
            pieces.incrementAndGet();
            java.nio.LongBuffer words = src.slice().order(java.nio.ByteOrder.LITTLE_ENDIAN).asLongBuffer();
            words.get(hi, first, count).get(lo, first, count);
            src.position(src.position() + 16 * count);
        }

        @Override
        public void download(long[] h, long[] l) {
            System.arraycopy(hi, 0, h, 0, h.length);
            System.arraycopy(lo, 0, l, 0, l.length);
        }
    }

    @Test
    void boringSslIsTheEngineWhereItShips() {
        String os = System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT);
        String arch = System.getProperty("os.arch");
        assumeTrue(os.contains("linux") && (arch.equals("amd64") || arch.equals("aarch64")),
                "netty-tcnative is shipped for Linux x86-64 and aarch64 only");
        assertEquals("openssl", TlsIdentity.engine());
        assertEquals("jdk", withEngine("jdk", TlsIdentity::engine));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> withEngine("gnutls", TlsIdentity::engine));
        assertTrue(e.getMessage().contains("spdz4j.tls=gnutls"), e.getMessage());
    }

    @Test
    void eitherEngineTalksToTheOtherWithThePinsChecked() throws SSLException {
        assumeTrue(TlsIdentity.engine().equals("openssl"), "BoringSSL did not load here");
        Map<Role, TlsIdentity> id = NettyConformanceTest.identities();
        for (String[] engines : new String[][]{{"openssl", "jdk"}, {"jdk", "openssl"}}) {
            SslContext server = withEngine(engines[0], () -> id.get(Role.P1).serverContext());
            SslContext client = withEngine(engines[1], () -> id.get(Role.P0).clientContext(Role.P1));
            String[] heard = talk(client.newEngine(ByteBufAllocator.DEFAULT), server.newEngine(ByteBufAllocator.DEFAULT));
            assertEquals("from P0", heard[1], engines[1] + " client to " + engines[0] + " server");
            assertEquals("from P1", heard[0], engines[0] + " server to " + engines[1] + " client");
        }
        // the client dials P1 but the dealer answers: its certificate is not P1's pin
        SslContext wrongServer = withEngine("openssl", () -> id.get(Role.DEALER).serverContext());
        SslContext client = withEngine("jdk", () -> id.get(Role.P0).clientContext(Role.P1));
        SSLException refused = assertThrows(SSLException.class, () -> talk(client.newEngine(ByteBufAllocator.DEFAULT),
                wrongServer.newEngine(ByteBufAllocator.DEFAULT)));
        assertTrue(String.valueOf(refused.getMessage()).contains("the configuration pins"), refused.getMessage());
    }

    private static <T> T withEngine(String engine, Supplier<T> body) {
        String before = System.getProperty(TlsIdentity.ENGINE_PROPERTY);
        System.setProperty(TlsIdentity.ENGINE_PROPERTY, engine);
        try {
            return body.get();
        } finally {
            if (before == null) {
                System.clearProperty(TlsIdentity.ENGINE_PROPERTY);
            } else {
                System.setProperty(TlsIdentity.ENGINE_PROPERTY, before);
            }
        }
    }

    /**
     * Runs the handshake between two engines in memory and sends one message each way; returns
     * what the client and the server heard.
     */
    private static String[] talk(SSLEngine client, SSLEngine server) throws SSLException {
        ByteBuffer fromClient = ByteBuffer.wrap("from P0".getBytes(StandardCharsets.US_ASCII));
        ByteBuffer fromServer = ByteBuffer.wrap("from P1".getBytes(StandardCharsets.US_ASCII));
        int packet = Math.max(client.getSession().getPacketBufferSize(), server.getSession().getPacketBufferSize());
        ByteBuffer toServer = ByteBuffer.allocate(4 * packet);
        ByteBuffer toClient = ByteBuffer.allocate(4 * packet);
        ByteBuffer clientHeard = ByteBuffer.allocate(4 * packet);
        ByteBuffer serverHeard = ByteBuffer.allocate(4 * packet);
        client.beginHandshake();
        server.beginHandshake();
        for (int round = 0; round < 200 && (clientHeard.position() == 0 || serverHeard.position() == 0); round++) {
            step(client.wrap(fromClient, toServer), client);
            step(server.wrap(fromServer, toClient), server);
            toServer.flip();
            toClient.flip();
            step(server.unwrap(toServer, serverHeard), server);
            step(client.unwrap(toClient, clientHeard), client);
            toServer.compact();
            toClient.compact();
        }
        return new String[]{text(clientHeard), text(serverHeard)};
    }

    private static void step(SSLEngineResult result, SSLEngine engine) {
        if (result.getHandshakeStatus() == SSLEngineResult.HandshakeStatus.NEED_TASK) {
            for (Runnable task = engine.getDelegatedTask(); task != null; task = engine.getDelegatedTask()) {
                task.run();
            }
        }
    }

    private static String text(ByteBuffer b) {
        return new String(b.array(), 0, b.position(), StandardCharsets.US_ASCII);
    }
}
