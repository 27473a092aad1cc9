package org.spdz4j.core.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TopologyTest {
    private static final InetSocketAddress AT = new InetSocketAddress("127.0.0.1", 1);

    @Test
    void rolesHaveNamesThatParseBack() {
        for (Role r : List.of(Role.P0, Role.P1, Role.DEALER, Role.of(Role.Kind.DATA_HOLDER, 12),
                Role.of(Role.Kind.LABEL_HOLDER, 0), Role.of(Role.Kind.CLIENT, 0), Role.of(Role.Kind.COORDINATOR, 0))) {
            assertEquals(r, Role.parse(r.name()));
        }
        assertEquals("HOLDER12", Role.of(Role.Kind.DATA_HOLDER, 12).name());
        assertSame(Role.P1, Role.parse("P1"));
        for (String bad : List.of("P2", "HOLDER", "HOLDER01", "LABELS1", "X", "", "CLIENT-1")) {
            assertThrows(IllegalArgumentException.class, () -> Role.parse(bad), bad);
        }
        assertThrows(IllegalStateException.class, () -> Role.DEALER.peer());
        assertEquals(Role.P0, Role.P1.peer());
    }

    @Test
    void computePartiesTalkToEveryoneAndTheLaterRoleDials() {
        Role h0 = Role.of(Role.Kind.DATA_HOLDER, 0);
        Role h1 = Role.of(Role.Kind.DATA_HOLDER, 1);
        Role labels = Role.of(Role.Kind.LABEL_HOLDER, 0);
        Topology t = Topology.builder().participant(Role.P0, AT, "a").participant(Role.P1, AT, "b")
                .participant(h0, AT, "c").participant(h1, AT, "d").participant(labels, AT, "e")
                .link(h0, labels).link(h1, labels).build();
        assertEquals(List.of(Role.P0, Role.P1, labels), t.peersOf(h0));
        assertEquals(List.of(Role.P0, Role.P1, h0, h1), t.peersOf(labels));
        assertTrue(t.dials(labels, h0) && t.dials(h0, Role.P1) && t.dials(Role.P1, Role.P0));
        assertTrue(t.listens(h0) && t.listens(h1) && !t.listens(labels), "holders wait for the label holder");
        assertFalse(t.dials(Role.P0, Role.P1));
        assertEquals(Map.of(Role.P0, "a", Role.P1, "b", labels, "e"), t.pinsFor(h0));
    }

    @Test
    void aRunWithoutSharesNeedsNoComputePartyOnlyItsLinks() {
        Role h0 = Role.of(Role.Kind.DATA_HOLDER, 0);
        Role h1 = Role.of(Role.Kind.DATA_HOLDER, 1);
        Role labels = Role.of(Role.Kind.LABEL_HOLDER, 0);
        Topology t = Topology.builder().participant(h0, AT, null).participant(h1, AT, null).participant(labels, AT, null)
                .link(h0, labels).link(h1, labels).link(h0, h1).build();
        assertEquals(java.util.Set.of(h1, labels), java.util.Set.copyOf(t.peersOf(h0)));
        assertEquals(java.util.Set.of(h0, h1), java.util.Set.copyOf(t.peersOf(labels)));
    }

    @Test
    void malformedTopologiesAreRefused() {
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> Topology.builder().participant(Role.P0, AT, null).participant(Role.P0, AT, null));
        assertTrue(twice.getMessage().contains("declared twice"), twice.getMessage());
        IllegalArgumentException noP1 = assertThrows(IllegalArgumentException.class,
                () -> Topology.builder().participant(Role.P0, AT, null).build());
        assertTrue(noP1.getMessage().contains("both compute parties"), noP1.getMessage());
        IllegalArgumentException alone = assertThrows(IllegalArgumentException.class,
                () -> Topology.builder().participant(Role.of(Role.Kind.DATA_HOLDER, 0), AT, null).build());
        assertTrue(alone.getMessage().contains("at least two participants"), alone.getMessage());
        Role h = Role.of(Role.Kind.DATA_HOLDER, 0);
        IllegalArgumentException link = assertThrows(IllegalArgumentException.class, () -> Topology.builder()
                .participant(Role.P0, AT, null).participant(Role.P1, AT, null).link(h, Role.DEALER).build());
        assertTrue(link.getMessage().contains("not declared"), link.getMessage());
        Topology t = Topology.of(Map.of(Role.P0, AT, Role.P1, AT, Role.DEALER, AT));
        assertThrows(IllegalArgumentException.class, () -> t.pinsFor(Role.P0), "no fingerprints to pin");
        assertThrows(IllegalArgumentException.class, () -> t.peersOf(h));
    }
}
