package org.spdz4j.net;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Topology;

/**
 * Optional peers of a topology with late joins: one that was not there when the setup window
 * ended connects later and is taken, and one whose connection ended connects again and is
 * taken again; on the listening side (P0, P1) and on the dialling side (the coordinator, which
 * keeps dialling its absent clients). Without late joins a later connection stays a stray.
 */
class LateJoinTest {
    private static final Role COORDINATOR = Role.parse("COORDINATOR");
    private static final Role C0 = Role.of(Role.Kind.CLIENT, 0);
    private static final Role C1 = Role.of(Role.Kind.CLIENT, 1);
    private static final List<Role> ALL = List.of(Role.P0, Role.P1, COORDINATOR, C0, C1);
    private static final List<Role> SERVERS = List.of(Role.P0, Role.P1, COORDINATOR);

    private static Topology topology(Map<Role, TlsIdentity.Generated> keys) {
        Topology.Builder b = Topology.builder();
        Map<Role, InetSocketAddress> at = Ports.loopback(ALL);
        for (Role r : ALL) {
            b.participant(r, at.get(r), keys.get(r).fingerprint());
        }
        return b.link(COORDINATOR, C0).link(COORDINATOR, C1).build();
    }

    private static CompletableFuture<NettyTransport> start(Role r, Topology t, Map<Role, TlsIdentity.Generated> keys,
                                                           Duration timeout) {
        TlsIdentity tls = new TlsIdentity(keys.get(r).key(), keys.get(r).certificate(), t.pinsFor(r));
        return CompletableFuture.supplyAsync(() -> NettyTransport.connect(r, t, tls, timeout));
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long until = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < until, "timed out waiting until " + what);
            Thread.sleep(20);
        }
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void anOptionalPeerJoinsAfterTheSetupWindowAndAgainAfterItsConnectionEnded() throws Exception {
        Map<Role, TlsIdentity.Generated> keys = new LinkedHashMap<>();
        ALL.forEach(r -> keys.put(r, TlsIdentity.generate(r)));
        Topology clients = topology(keys);
        Topology servers = clients.withOptional(List.of(C0, C1)).withLateJoins();
        Map<Role, CompletableFuture<NettyTransport>> started = new LinkedHashMap<>();
        SERVERS.forEach(r -> started.put(r, start(r, servers, keys, Duration.ofSeconds(3))));
        started.put(C0, start(C0, clients, keys, Duration.ofSeconds(20)));
        List<NettyTransport> all = new ArrayList<>();
        try {
            started.values().forEach(f -> all.add(f.join()));
            NettyTransport p0 = all.get(0);
            NettyTransport p1 = all.get(1);
            NettyTransport coordinator = all.get(2);
            assertEquals(Set.of(C1), p0.absent(), "C1 did not come within the window");
            assertEquals(0, p0.joins(C1));
            assertEquals(1, p0.joins(C0));

            NettyTransport late = start(C1, clients, keys, Duration.ofSeconds(20)).join(); // P0, P1 listen, the coordinator dials
            all.add(late);
            await(() -> p0.joins(C1) == 1 && p1.joins(C1) == 1 && coordinator.joins(C1) == 1, "all three take C1");
            assertTrue(p0.absent().isEmpty() && coordinator.absent().isEmpty(), "C1 is no longer absent");
            Tag first = new Tag(Tag.Kind.AGGREGATE, 1, 0);
            late.sendBytes(Role.P0, first, text("late"));
            assertArrayEquals(text("late"), p0.receiveBytes(C1, first));
            coordinator.sendBytes(C1, first, text("welcome"));
            assertArrayEquals(text("welcome"), late.receiveBytes(COORDINATOR, first));

            late.close(); // its connections end: waiting for it fails at once, naming it
            Tag second = new Tag(Tag.Kind.AGGREGATE, 2, 0);
            ProtocolException gone = assertThrows(ProtocolException.class, () -> p0.receiveBytes(C1, second));
            assertTrue(gone.getMessage().contains("CLIENT1"), gone.getMessage());

            NettyTransport back = start(C1, clients, keys, Duration.ofSeconds(20)).join();
            all.add(back);
            await(() -> p0.joins(C1) == 2 && p1.joins(C1) == 2 && coordinator.joins(C1) == 2, "all three take C1 again");
            back.sendBytes(Role.P0, second, text("back"));
            assertArrayEquals(text("back"), p0.receiveBytes(C1, second), "the ended connection's failure is forgotten");
            coordinator.sendBytes(C1, second, text("again"));
            assertArrayEquals(text("again"), back.receiveBytes(COORDINATOR, second));
            assertEquals(1, p0.joins(C0), "the others are untouched");
            p0.sendBytes(C0, second, text("still here"));
            assertArrayEquals(text("still here"), all.get(3).receiveBytes(Role.P0, second));
        } finally {
            all.forEach(NettyTransport::close);
        }
    }

    @Test
    void withoutLateJoinsAnOptionalPeerThatComesAfterTheWindowIsNotTaken() throws Exception {
        Map<Role, TlsIdentity.Generated> keys = new LinkedHashMap<>();
        ALL.forEach(r -> keys.put(r, TlsIdentity.generate(r)));
        Topology clients = topology(keys);
        Topology servers = clients.withOptional(List.of(C0, C1));
        List<NettyTransport> all = new ArrayList<>();
        try {
            List<CompletableFuture<NettyTransport>> started = new ArrayList<>();
            SERVERS.forEach(r -> started.add(start(r, servers, keys, Duration.ofSeconds(2))));
            started.add(start(C0, clients, keys, Duration.ofSeconds(20)));
            started.forEach(f -> all.add(f.join()));
            CompletableFuture<NettyTransport> late = start(C1, clients, keys, Duration.ofSeconds(3));
            assertThrows(java.util.concurrent.CompletionException.class, late::join, "nobody listens for it any more");
            assertEquals(0, all.get(0).joins(C1));
            assertEquals(Set.of(C1), all.get(0).absent());
        } finally {
            all.forEach(NettyTransport::close);
        }
    }
}
