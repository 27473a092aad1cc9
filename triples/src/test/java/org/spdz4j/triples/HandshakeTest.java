package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.Disagreement;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.InMemoryNetwork;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.TrafficCounter.Direction;
import org.spdz4j.core.transport.Transport;

/** The compute parties agree on every named fact and their plan in one round, and fail alike naming what differs. */
class HandshakeTest {
    private static Map<String, String> facts(String batch, String lr) {
        Map<String, String> f = new LinkedHashMap<>();
        f.put("dataset", "mnist 60000");
        f.put("batch size (--batch)", batch);
        f.put("learning rate (--lr)", lr);
        return f;
    }

    private static Plan plan(int rows) {
        Plan.Builder b = Plan.builder("handshake test");
        b.mask(Shape.of(rows, 4));
        b.mask(Shape.of(4));
        return b.build();
    }

    /**
     * Runs {@code at} for P0 and P1 on a fresh in-memory network (a dealer that never answers: the
     * parties' range requests go to it before they agree); each side's outcome, a failure as its exception.
     */
    private static Object[] both(Function<Transport, Object> at) {
        InMemoryNetwork net = new InMemoryNetwork(List.of(Role.P0, Role.P1, Role.DEALER), Duration.ofSeconds(10), 1 << 20);
        CompletableFuture<Object> p1 = CompletableFuture.supplyAsync(() -> at.apply(net.transport(Role.P1)));
        Object p0;
        try {
            p0 = at.apply(net.transport(Role.P0));
        } catch (RuntimeException e) {
            p0 = e;
        }
        Object other;
        try {
            other = p1.join();
        } catch (CompletionException e) {
            other = e.getCause();
        }
        return new Object[]{p0, other};
    }

    @Test
    void everyFactInOneMessageAndTheFirstThatDiffersNamedOnBothSides() {
        Object[] same = both(t -> {
            new ComputeParty(t.self(), t, FixedPoint.DEFAULT).agree(facts("32", "0.02"));
            return t.traffic().total(t.self().peer(), Direction.SENT).messages();
        });
        assertEquals(1L, same[0], "three facts, one message");
        assertEquals(1L, same[1]);

        Object[] differ = both(t -> {
            boolean zero = t.self().equals(Role.P0);
            new ComputeParty(t.self(), t, FixedPoint.DEFAULT).agree(facts(zero ? "32" : "16", zero ? "0.02" : "0.05"));
            return null;
        });
        Disagreement d0 = assertInstanceOf(Disagreement.class, differ[0]);
        assertEquals("batch size (--batch) mismatch: P0 has '32' but P1 has '16'", d0.getMessage());
        assertEquals("16", d0.theirs());
        assertEquals("batch size (--batch) mismatch: P1 has '16' but P0 has '32'",
                assertInstanceOf(Disagreement.class, differ[1]).getMessage());

        Object[] otherFacts = both(t -> {
            Map<String, String> f = facts("32", "0.02");
            if (t.self().equals(Role.P1)) {
                f.remove("dataset");
            }
            new ComputeParty(t.self(), t, FixedPoint.DEFAULT).agree(f);
            return null;
        });
        ProtocolException e = assertInstanceOf(ProtocolException.class, otherFacts[0]);
        assertTrue(e.getMessage().contains("P0 agrees on [dataset, batch size (--batch), learning rate (--lr)] but P1 on "
                + "[batch size (--batch), learning rate (--lr)]"), e.getMessage());
    }

    @Test
    void theDealerHasTheRangeRequestWhileThePartiesStillAgree() throws Exception {
        InMemoryNetwork net = new InMemoryNetwork(List.of(Role.P0, Role.P1, Role.DEALER), Duration.ofSeconds(3), 1 << 20);
        // P1 never comes: P0 waits for its facts, and its request to the dealer is on the way already
        CompletableFuture<Handshake.Party> p0 = CompletableFuture.supplyAsync(() -> Handshake.computeParty(
                net.transport(Role.P0), plan(3), FixedPoint.DEFAULT, 0, 2, AesCtrPrg.freshSeed(), facts("32", "0.02")));
        RangeRequest r = RangeRequest.decode(net.transport(Role.DEALER).receiveBytes(Role.P0, RangeRequest.TAG), "P0");
        assertFalse(p0.isDone(), "the request went before the agreement");
        assertEquals("0..1", r.range());
        assertEquals(java.util.HexFormat.of().formatHex(plan(3).hash()), java.util.HexFormat.of().formatHex(r.planHash()));
        CompletionException e = assertThrows(CompletionException.class, p0::join);
        assertTrue(e.getCause().getMessage().contains("P1"), e.getCause().getMessage());
    }

    @Test
    void randomnessForAnotherPartyThanTheTransportsIsRefused() {
        InMemoryNetwork net = new InMemoryNetwork(List.of(Role.P0, Role.P1, Role.DEALER), Duration.ofSeconds(3), 1 << 20);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> PartyRandomness.connect(Role.P1, net.transport(Role.P0), plan(3), 0, 1));
        assertEquals("P1's randomness over P0's transport", e.getMessage());
        assertEquals(0L, net.transport(Role.P0).traffic().total(Role.DEALER, Direction.SENT).messages(), "nothing sent");
    }

    @Test
    void malformedFactsAreRefusedNamingThePeer() {
        Object[] out = both(t -> {
            if (t.self().equals(Role.P1)) {
                t.sendBytes(Role.P0, new Tag(Tag.Kind.HANDSHAKE, 0, 0), new byte[]{0, 0, 0, 2, 0, 0, 0, 9, 'x'});
                return null;
            }
            new ComputeParty(t.self(), t, FixedPoint.DEFAULT).agree(facts("32", "0.02"));
            return null;
        });
        ProtocolException e = assertInstanceOf(ProtocolException.class, out[0]);
        assertEquals("P1 sent malformed facts (9 bytes, cut short)", e.getMessage());
    }

    @Test
    void plansThatDifferWhereEveryNamedFactAgreesFailNamingTheFirstEntryThatDiffers() {
        Object[] out = both(t -> Handshake.computeParty(t, plan(t.self().equals(Role.P0) ? 3 : 5), FixedPoint.DEFAULT, 0, 1,
                AesCtrPrg.freshSeed(), facts("32", "0.02")));
        for (int p = 0; p < 2; p++) {
            ProtocolException e = assertInstanceOf(ProtocolException.class, out[p]);
            assertTrue(e.getMessage().startsWith("plan hash mismatch: P" + p + " has " + java.util.HexFormat.of()
                    .formatHex(plan(p == 0 ? 3 : 5).hash()) + " but P" + (1 - p) + " has "), e.getMessage());
            assertTrue(e.getMessage().contains("[3, 4]") && e.getMessage().contains("[5, 4]"), e.getMessage());
        }
        Object[] named = both(t -> Handshake.computeParty(t, plan(t.self().equals(Role.P0) ? 3 : 5), FixedPoint.DEFAULT, 0,
                1, AesCtrPrg.freshSeed(), facts(t.self().equals(Role.P0) ? "32" : "16", "0.02")));
        assertEquals("batch size (--batch) mismatch: P0 has '32' but P1 has '16'",
                assertInstanceOf(Disagreement.class, named[0]).getMessage(), "a named fact is named before the plan");
        assertThrows(Disagreement.class, () -> {
            throw (RuntimeException) named[1];
        });
    }
}
