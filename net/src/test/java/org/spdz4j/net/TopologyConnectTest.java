package org.spdz4j.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Topology;

/** Five participants over mutual TLS, connected as the topology says; an unknown certificate is refused. */
class TopologyConnectTest {
    private static final Role OWNER0 = Role.of(Role.Kind.INPUT_OWNER, 0);
    private static final Role OWNER1 = Role.of(Role.Kind.INPUT_OWNER, 1);
    private static final List<Role> FIVE = List.of(Role.P0, Role.P1, Role.DEALER, OWNER0, OWNER1);

    private static Topology topology(Map<Role, TlsIdentity.Generated> keys) {
        Topology.Builder b = Topology.builder();
        Map<Role, InetSocketAddress> at = Ports.loopback(FIVE);
        for (Role r : FIVE) {
            b.participant(r, at.get(r), keys.get(r).fingerprint());
        }
        return b.link(OWNER0, OWNER1).build();
    }

    private static CompletableFuture<NettyTransport> start(Role r, Topology t, TlsIdentity.Generated key, Duration timeout) {
        TlsIdentity tls = new TlsIdentity(key.key(), key.certificate(), t.pinsFor(r));
        return CompletableFuture.supplyAsync(() -> NettyTransport.connect(r, t, tls, timeout));
    }

    @Test
    void fiveParticipantsConnectAsTheTopologySays() {
        Map<Role, TlsIdentity.Generated> keys = new LinkedHashMap<>();
        FIVE.forEach(r -> keys.put(r, TlsIdentity.generate(r)));
        Topology t = topology(keys);
        assertEquals(List.of(Role.P0, Role.P1, OWNER1), t.peersOf(OWNER0));
        assertEquals(List.of(Role.P1, Role.DEALER, OWNER0, OWNER1), t.peersOf(Role.P0));
        assertTrue(t.dials(OWNER1, OWNER0) && t.dials(Role.DEALER, Role.P1) && !t.listens(Role.DEALER));
        Map<Role, CompletableFuture<NettyTransport>> f = new LinkedHashMap<>();
        FIVE.forEach(r -> f.put(r, start(r, t, keys.get(r), Duration.ofSeconds(20))));
        List<NettyTransport> all = new ArrayList<>();
        try {
            f.values().forEach(c -> all.add(c.join()));
            // every linked pair can talk, both ways, naming each other
            for (Role a : FIVE) {
                for (Role b : t.peersOf(a)) {
                    f.get(a).join().sendBytes(b, new Tag(Tag.Kind.HANDSHAKE, 0, 9), a.name().getBytes());
                }
            }
            for (Role b : FIVE) {
                for (Role a : t.peersOf(b)) {
                    assertArrayEquals(a.name().getBytes(), f.get(b).join().receiveBytes(a, new Tag(Tag.Kind.HANDSHAKE, 0, 9)));
                }
            }
            IllegalArgumentException notLinked = assertThrows(IllegalArgumentException.class,
                    () -> f.get(Role.DEALER).join().sendBytes(OWNER0, new Tag(Tag.Kind.HANDSHAKE, 0, 1), new byte[1]));
            assertTrue(notLinked.getMessage().contains("no connection to OWNER0"), notLinked.getMessage());
        } finally {
            all.forEach(NettyTransport::close);
        }
    }

    @Test
    void aParticipantWithAnUnknownCertificateIsRefused() {
        Map<Role, TlsIdentity.Generated> keys = new LinkedHashMap<>();
        FIVE.forEach(r -> keys.put(r, TlsIdentity.generate(r)));
        Topology t = topology(keys);
        Map<Role, CompletableFuture<NettyTransport>> f = new LinkedHashMap<>();
        for (Role r : FIVE) {
            // OWNER1 presents a certificate the topology does not pin
            TlsIdentity.Generated key = r.equals(OWNER1) ? TlsIdentity.generate(OWNER1) : keys.get(r);
            f.put(r, start(r, t, key, Duration.ofSeconds(8)));
        }
        CompletionException e = assertThrows(CompletionException.class, () -> f.get(OWNER1).join());
        assertTrue(e.getCause() instanceof ProtocolException, String.valueOf(e.getCause()));
        for (CompletableFuture<NettyTransport> c : f.values()) {
            try {
                c.join().close();
            } catch (CompletionException ignored) {
                // the others fail or time out waiting for OWNER1: what matters is that it was not let in
            }
        }
    }
}
