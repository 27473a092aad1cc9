package org.spdz4j.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;

/** Strangers knocking during setup do not stop it; misconfigured peers are named. */
class SetupAvailabilityTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @Test
    void aPortScanTlsClientsWithoutAPinnedCertificateAndRandomBytesDoNotStopTheSetup() throws Exception {
        Map<Role, InetSocketAddress> at = Ports.loopback();
        Map<Role, TlsIdentity> ids = NettyConformanceTest.identities();
        CompletableFuture<NettyTransport> p0 = CompletableFuture.supplyAsync(
                () -> NettyTransport.connect(Role.P0, at, ids.get(Role.P0), TIMEOUT));
        InetSocketAddress target = at.get(Role.P0);
        knock(target); // waits until P0 listens
        for (int i = 0; i < 5; i++) {
            new Socket(target.getAddress(), target.getPort()).close();        // nc -z
        }
        tlsClient(target, null);                                              // no certificate
        tlsClient(target, TlsIdentity.generate(Role.P1));                     // an unpinned one
        try (Socket s = new Socket(target.getAddress(), target.getPort())) {  // 4 KB of noise
            byte[] noise = new byte[4096];
            new SecureRandom().nextBytes(noise);
            s.getOutputStream().write(noise);
            s.getOutputStream().flush();
        }
        CompletableFuture<NettyTransport> p1 = CompletableFuture.supplyAsync(
                () -> NettyTransport.connect(Role.P1, at, ids.get(Role.P1), TIMEOUT));
        CompletableFuture<NettyTransport> dealer = CompletableFuture.supplyAsync(
                () -> NettyTransport.connect(Role.DEALER, at, ids.get(Role.DEALER), TIMEOUT));
        try (NettyTransport t0 = p0.join(); NettyTransport t1 = p1.join(); NettyTransport d = dealer.join()) {
            assertTrue(t0.strayConnections() >= 3, "dropped: " + t0.strayConnections());
            Tag tag = new Tag(Tag.Kind.OPEN, 0, 0);
            t1.send(Role.P0, tag, Ring128Tensor.filled(Shape.of(3), 5));
            assertEquals(5, t0.receive(Role.P1, tag).lo(2));
        }
    }

    /**
     * P1 dials P0's address while something there (a proxy whose target is not up yet, a peer
     * restarting) accepts and closes every connection mid-handshake: P1 dials again, with backoff,
     * and connects once P0 listens, within its setup window.
     */
    @Test
    void aConnectionClosedDuringTheTlsHandshakeIsDialledAgain() throws Exception {
        Map<Role, InetSocketAddress> at = Ports.loopback();
        Map<Role, TlsIdentity> ids = NettyConformanceTest.identities();
        InetSocketAddress p0At = at.get(Role.P0);
        java.util.concurrent.atomic.AtomicInteger closed = new java.util.concurrent.atomic.AtomicInteger();
        java.net.ServerSocket closer = new java.net.ServerSocket();
        closer.setReuseAddress(true);
        closer.bind(p0At);
        Thread accepting = new Thread(() -> {
            try {
                while (true) {
                    Socket s = closer.accept();
                    s.getInputStream().read();   // the dialler's ClientHello begins: close mid-handshake
                    s.close();
                    closed.incrementAndGet();
                }
            } catch (IOException stopped) {
                // the closer is closed: P0 takes the port
            }
        });
        accepting.start();
        CompletableFuture<NettyTransport> p1 = CompletableFuture.supplyAsync(
                () -> NettyTransport.connect(Role.P1, Map.of(Role.P0, at.get(Role.P0), Role.P1, at.get(Role.P1)),
                        ids.get(Role.P1), TIMEOUT));
        long until = System.nanoTime() + 10_000_000_000L;
        while (closed.get() < 2 && System.nanoTime() < until) {
            Thread.sleep(50);
        }
        closer.close();
        accepting.join();
        assertTrue(closed.get() >= 2, "P1 dialled again after a closed handshake: " + closed.get());
        assertTrue(!p1.isDone(), "P1 did not give up on the first closed handshake");
        try (NettyTransport t0 = NettyTransport.connect(Role.P0, Map.of(Role.P0, at.get(Role.P0), Role.P1, at.get(Role.P1)),
                ids.get(Role.P0), TIMEOUT); NettyTransport t1 = p1.join()) {
            Tag tag = new Tag(Tag.Kind.OPEN, 0, 0);
            t1.send(Role.P0, tag, Ring128Tensor.filled(Shape.of(2), 7));
            assertEquals(7, t0.receive(Role.P1, tag).lo(1));
        }
    }

    @Test
    void aDiallerThroughAProxyWhoseTargetIsNotUpYetConnectsOnceItIs() throws Exception {
        Map<Role, InetSocketAddress> at = Ports.loopback();
        Map<Role, TlsIdentity> ids = NettyConformanceTest.identities();
        try (DelayProxy proxy = DelayProxy.start(at.get(Role.P0), java.time.Duration.ofMillis(5), 0)) {
            // the proxy accepts P1 and closes at once while P0 does not listen: P1 dials again, however soon it closes
            CompletableFuture<NettyTransport> p1 = CompletableFuture.supplyAsync(
                    () -> NettyTransport.connect(Role.P1, Map.of(Role.P0, proxy.address(), Role.P1, at.get(Role.P1)),
                            ids.get(Role.P1), TIMEOUT));
            Thread.sleep(1500);
            assertTrue(!p1.isDone(), "P1 waits for P0 behind the proxy");
            try (NettyTransport t0 = NettyTransport.connect(Role.P0, Map.of(Role.P0, at.get(Role.P0), Role.P1,
                    at.get(Role.P1)), ids.get(Role.P0), TIMEOUT); NettyTransport t1 = p1.join()) {
                Tag tag = new Tag(Tag.Kind.OPEN, 0, 0);
                t1.send(Role.P0, tag, Ring128Tensor.filled(Shape.of(2), 9));
                assertEquals(9, t0.receive(Role.P1, tag).lo(1));
            }
        }
    }

    @Test
    void aDialerWithAWrongPinNamesThePresentedAndThePinnedFingerprint() {
        Map<Role, InetSocketAddress> at = Ports.loopback();
        Map<Role, TlsIdentity> ids = NettyConformanceTest.identities();
        String real = TlsIdentity.fingerprint(ids.get(Role.P0).certificate());
        String wrong = "00".repeat(32);
        TlsIdentity p1 = pinning(ids.get(Role.P1), Role.P0, wrong);
        CompletableFuture<NettyTransport> p0 = CompletableFuture.supplyAsync(
                () -> NettyTransport.connect(Role.P0, at, ids.get(Role.P0), Duration.ofSeconds(5)));
        ProtocolException e = assertTimeoutPreemptively(Duration.ofSeconds(15), () -> assertThrows(ProtocolException.class,
                () -> NettyTransport.connect(Role.P1, at, p1, Duration.ofSeconds(10))));
        assertTrue(e.getMessage().startsWith("P1 could not connect to P0 at ")
                && e.getMessage().contains("P0 presented certificate " + real + " but the configuration pins " + wrong
                + " for P0"), e.getMessage());
        // the refused side names its own certificate and what the peer must pin (it used to see only an alert)
        CompletionException refused = assertThrows(CompletionException.class, p0::join);
        assertTrue(refused.getCause().getMessage().contains("the peer refused this side's certificate " + real + " (P0)"),
                refused.getCause().getMessage());
    }

    @Test
    void aListenerWithAWrongPinRefusesTheDialerAndBothNameTheCertificate() {
        Map<Role, InetSocketAddress> at = Ports.loopback();
        Map<Role, TlsIdentity> ids = NettyConformanceTest.identities();
        String real = TlsIdentity.fingerprint(ids.get(Role.P1).certificate());
        String wrong = "11".repeat(32);
        TlsIdentity p0 = pinning(ids.get(Role.P0), Role.P1, wrong);
        CompletableFuture<NettyTransport> listening = CompletableFuture.supplyAsync(
                () -> NettyTransport.connect(Role.P0, at, p0, Duration.ofSeconds(6)));
        ProtocolException dialer = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> assertThrows(ProtocolException.class,
                () -> NettyTransport.connect(Role.P1, at, ids.get(Role.P1), Duration.ofSeconds(6))));
        assertTrue(dialer.getMessage().contains("the peer refused this side's certificate " + real + " (P1)"),
                dialer.getMessage());
        CompletionException listener = assertThrows(CompletionException.class, listening::join);
        String m = listener.getCause().getMessage();
        assertTrue(m.contains("the peer presented certificate " + real + ", which is not pinned") && m.contains(wrong), m);
    }

    @Test
    void tlsOnOneSideOnlyIsNamedAtTheDialer() {
        Map<Role, InetSocketAddress> at = Ports.loopback();
        Map<Role, TlsIdentity> ids = NettyConformanceTest.identities();
        CompletableFuture<NettyTransport> tlsP0 = CompletableFuture.supplyAsync(
                () -> NettyTransport.connect(Role.P0, at, ids.get(Role.P0), Duration.ofSeconds(5)));
        ProtocolException plain = assertThrows(ProtocolException.class,
                () -> NettyTransport.connect(Role.P1, at, null, Duration.ofSeconds(10)));
        assertTrue(plain.getMessage().contains("same tls setting"), plain.getMessage());
        CompletionException waited = assertThrows(CompletionException.class, tlsP0::join);
        assertTrue(waited.getCause().getMessage().contains("does not speak TLS"), waited.getCause().getMessage());

        Map<Role, InetSocketAddress> at2 = Ports.loopback();
        CompletableFuture<NettyTransport> plainP0 = CompletableFuture.supplyAsync(
                () -> NettyTransport.connect(Role.P0, at2, null, Duration.ofSeconds(5)));
        ProtocolException withTls = assertThrows(ProtocolException.class,
                () -> NettyTransport.connect(Role.P1, at2, ids.get(Role.P1), Duration.ofSeconds(10)));
        assertTrue(withTls.getMessage().contains("TLS handshake"), withTls.getMessage());
        CompletionException waited2 = assertThrows(CompletionException.class, plainP0::join);
        assertTrue(waited2.getCause().getMessage().contains("the peer speaks TLS but this side is configured with tls: false"),
                waited2.getCause().getMessage());
    }

    @Test
    void aTensorLargerThanThePlanAllowsIsRefusedBeforeAllocating() {
        Map<Role, InetSocketAddress> at = Ports.loopback();
        Map<Role, CompletableFuture<NettyTransport>> f = new LinkedHashMap<>();
        for (Role r : List.of(Role.P0, Role.P1, Role.DEALER)) {
            f.put(r, CompletableFuture.supplyAsync(() -> NettyTransport.connect(r, at, null, TIMEOUT)));
        }
        try (NettyTransport p0 = f.get(Role.P0).join(); NettyTransport p1 = f.get(Role.P1).join();
             NettyTransport d = f.get(Role.DEALER).join()) {
            p0.limitTensorElements(1000);
            Tag ok = new Tag(Tag.Kind.OPEN, 0, 0);
            p1.send(Role.P0, ok, Ring128Tensor.zeros(Shape.of(1000)));
            assertEquals(1000, p0.receive(Role.P1, ok).size());
            Tag big = new Tag(Tag.Kind.OPEN, 0, 1);
            p1.send(Role.P0, big, Ring128Tensor.zeros(Shape.of(10, 101)));
            ProtocolException e = assertThrows(ProtocolException.class, () -> p0.receive(Role.P1, big));
            assertTrue(e.getMessage().contains("[10, 101], more than the limit of 1000 elements"), e.getMessage());
        }
    }

    private static void knock(InetSocketAddress at) throws InterruptedException {
        for (int i = 0; i < 100; i++) {
            try (Socket s = new Socket(at.getAddress(), at.getPort())) {
                return;
            } catch (IOException notYet) {
                Thread.sleep(50);
            }
        }
        throw new AssertionError("P0 never listened on " + at);
    }

    /** A TLS client trusting anything, with {@code cert} (or none): the handshake or the first read fails. */
    private static void tlsClient(InetSocketAddress at, TlsIdentity.Generated cert) throws Exception {
        KeyManager[] km = null;
        if (cert != null) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            char[] pw = "test-only".toCharArray();
            ks.setKeyEntry("k", cert.key(), pw, new Certificate[]{cert.certificate()});
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, pw);
            km = kmf.getKeyManagers();
        }
        TrustManager trustAll = new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        };
        SSLContext c = SSLContext.getInstance("TLSv1.3");
        c.init(km, new TrustManager[]{trustAll}, new SecureRandom());
        try (SSLSocket s = (SSLSocket) c.getSocketFactory().createSocket(at.getAddress(), at.getPort())) {
            s.setSoTimeout(5000);
            s.startHandshake();
            OutputStream out = s.getOutputStream();
            out.write(1);
            out.flush();
            s.getInputStream().read();
        } catch (IOException refused) {
            // expected: the server refuses the certificate
        }
    }

    /** {@code id} with {@code fingerprint} pinned for {@code peer} instead of the peer's real one. */
    private static TlsIdentity pinning(TlsIdentity id, Role peer, String fingerprint) {
        Map<Role, String> pins = new LinkedHashMap<>(id.pinned());
        pins.put(peer, fingerprint);
        return new TlsIdentity(id.key(), id.certificate(), pins);
    }
}
