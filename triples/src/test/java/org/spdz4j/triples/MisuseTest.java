package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.InMemoryNetwork;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;

/** Each misuse of the low-level API is refused with a message naming what was wrong, never computed. */
class MisuseTest {
    private static final Shape X = Shape.of(3, 4);
    private static final Shape W = Shape.of(5, 4);

    /** A plan with X W^T (planned as matmul(false, true)) and the handles that go with it. */
    private record Setup(Plan plan, PlanEntry.Mask mx, PlanEntry.Mask mw, PlanEntry.Product xw) {
        static Setup make(String name) {
            Plan.Builder b = Plan.builder(name);
            PlanEntry.Mask mx = b.mask(X);
            PlanEntry.Mask mw = b.mask(W);
            PlanEntry.Product xw = b.product(BilinearOps.matmul(false, true), mx, mw);
            return new Setup(b.build(), mx, mw, xw);
        }
    }

    private interface Body {
        Object run(ComputeParty party, PartyRandomness randomness, Ring128Tensor x, Ring128Tensor w);
    }

    /** Runs {@code body} at both parties on shared inputs after beginning step 0; returns what both threw. */
    private static <E extends Throwable> E refused(Class<E> type, Setup s, int steps, boolean begin, Body body) {
        return assertThrows(type, () -> assertTimeoutQuick(() -> LocalComputation.run(s.plan(), steps,
                AesCtrPrg.freshSeed(), FixedPoint.DEFAULT, (party, randomness) -> {
                    Ring128Tensor x = Ring128Tensor.filled(X, 7);
                    Ring128Tensor w = Ring128Tensor.filled(W, 3);
                    if (begin) {
                        party.beginStep(0, randomness.forStep(0));
                    }
                    return body.run(party, randomness, x, w);
                })));
    }

    private static void assertTimeoutQuick(Runnable r) {
        org.junit.jupiter.api.Assertions.assertTimeoutPreemptively(Duration.ofSeconds(20), r::run,
                "a refusal must come at once, not after a transport timeout");
    }

    @Test
    void aMaskReusedForAnotherTensorInOneStepIsRefused() {
        Setup s = Setup.make("reuse");
        IllegalStateException e = refused(IllegalStateException.class, s, 1, true, (party, r, x, w) -> {
            party.mask(x, s.mx());
            return party.mask(x.add(Ring128Tensor.filled(X, 1)), s.mx()); // would reveal X2 - X1
        });
        assertTrue(e.getMessage().contains("mask entry 0") && e.getMessage().contains("already used in step 0")
                && e.getMessage().contains("difference"), e.getMessage());
    }

    @Test
    void theSameMaskServesTheSameEntryInEveryStep() {
        Setup s = Setup.make("steps");
        LocalComputation.Result<Ring128Tensor> r = LocalComputation.run(s.plan(), 2, AesCtrPrg.freshSeed(),
                FixedPoint.DEFAULT, (party, randomness) -> {
                    Ring128Tensor last = null;
                    for (int step = 0; step < 2; step++) {
                        party.beginStep(step, randomness.forStep(step));
                        Ring128Tensor x = party.shareInput(Role.P0, Ring128Tensor.filled(X, step + 2), X, 0);
                        Ring128Tensor w = party.shareInput(Role.P0, Ring128Tensor.filled(W, 5), W, 1);
                        List<MaskedTensor> m = party.maskAll(List.of(x, w), List.of(s.mx(), s.mw()));
                        last = party.open(party.multiply(s.xw(), m.get(0), m.get(1)));
                    }
                    return last;
                });
        assertEquals(Ring128Tensor.filled(Shape.of(3, 5), 3 * 5 * 4), r.p0());
    }

    @Test
    void operandsThatDoNotMatchTheProductAreRefused() {
        Setup s = Setup.make("swap");
        IllegalArgumentException e = refused(IllegalArgumentException.class, s, 1, true, (party, r, x, w) -> {
            List<MaskedTensor> m = party.maskAll(List.of(x, w), List.of(s.mx(), s.mw()));
            return party.multiply(s.xw(), m.get(1), m.get(0));
        });
        assertTrue(e.getMessage().contains("product entry 2") && e.getMessage().contains("takes mask entry 0")
                && e.getMessage().contains("masked with entry 1"), e.getMessage());
    }

    @Test
    void aProductHandleWithAnotherOpIsRefused() {
        Setup s = Setup.make("op");
        // same operands and output shape, another op: a handle that is not this plan's entry 2
        PlanEntry.Product other = new PlanEntry.Product(2, BilinearOps.matmul(false, false),
                PlanEntry.Operand.of(s.mx()), PlanEntry.Operand.of(s.mw()), Shape.of(3, 5), 0);
        ProtocolException e = refused(ProtocolException.class, s, 1, true, (party, r, x, w) -> {
            List<MaskedTensor> m = party.maskAll(List.of(x, w), List.of(s.mx(), s.mw()));
            return party.multiply(other, m.get(0), m.get(1));
        });
        assertTrue(e.getMessage().contains("entry 2") && e.getMessage().contains("matmul(transLeft=false,transRight=true)")
                && e.getMessage().contains("another plan"), e.getMessage());
    }

    @Test
    void aTensorOfTheWrongShapeIsRefused() {
        Setup s = Setup.make("shape");
        IllegalArgumentException e = refused(IllegalArgumentException.class, s, 1, true,
                (party, r, x, w) -> party.mask(w, s.mx()));
        assertTrue(e.getMessage().contains("mask entry 0 has shape [3, 4]")
                && e.getMessage().contains("[5, 4]"), e.getMessage());
    }

    @Test
    void anOperationBeforeTheStepBeganIsRefused() {
        Setup s = Setup.make("early");
        IllegalStateException e = refused(IllegalStateException.class, s, 1, false,
                (party, r, x, w) -> party.open(x));
        assertTrue(e.getMessage().contains("before a step has begun"), e.getMessage());
        IllegalStateException m = refused(IllegalStateException.class, s, 1, false,
                (party, r, x, w) -> party.mask(x, s.mx()));
        assertTrue(m.getMessage().contains("cannot mask a tensor before a step has begun"), m.getMessage());
    }

    @Test
    void aStepPastTheDealersRangeIsRefusedAtOnce() {
        Setup s = Setup.make("range");
        ProtocolException e = refused(ProtocolException.class, s, 2, true, (party, r, x, w) -> r.forStep(2));
        assertTrue(e.getMessage().contains("asked for step 2") && e.getMessage().contains("steps 0..1"), e.getMessage());
    }

    @Test
    void aPartyResumingAtAnotherStepThanTheDealerIsRefusedByTheDealerNamingBoth() {
        Setup s = Setup.make("resume");
        InMemoryNetwork net = new InMemoryNetwork(Duration.ofSeconds(5), 1 << 20);
        CompletableFuture<Void> dealer = CompletableFuture.runAsync(
                () -> new Dealer(s.plan(), net.transport(Role.DEALER), AesCtrPrg.freshSeed()).setup(1, 2));
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> PartyRandomness.connect(Role.P0, net.transport(Role.P0), s.plan(), 0, 3));
        assertEquals("the dealer refused: first step mismatch: P0 starts at step 0 but the dealer was started for step 1",
                e.getMessage());
        assertTrue(assertThrows(java.util.concurrent.CompletionException.class, dealer::join).getCause().getMessage()
                .startsWith("first step mismatch"));
    }

    @Test
    void aDealerWithAnotherNumberOfStepsIsRefusedAtConnection() {
        Setup s = Setup.make("steps");
        InMemoryNetwork net = new InMemoryNetwork(Duration.ofSeconds(5), 1 << 20);
        CompletableFuture<Integer> dealer = CompletableFuture.supplyAsync(
                () -> new Dealer(s.plan(), net.transport(Role.DEALER), AesCtrPrg.freshSeed()).setup(20));
        CompletableFuture<PartyRandomness> p0 = CompletableFuture.supplyAsync(
                () -> PartyRandomness.connect(Role.P0, net.transport(Role.P0), s.plan(), 0, 10));
        ProtocolException e = assertThrows(ProtocolException.class,
                () -> PartyRandomness.connect(Role.P1, net.transport(Role.P1), s.plan(), 0, 10));
        assertEquals("the dealer refused: step range mismatch: P0 runs steps 0..9 but the dealer's options end at step 19 "
                + "(training images, batch size and epochs fix the number of steps)", e.getMessage());
        assertThrows(java.util.concurrent.CompletionException.class, p0::join);
        assertThrows(java.util.concurrent.CompletionException.class, dealer::join);
    }

    @Test
    void aDealerStartsWhereBothPartiesResume() {
        Setup s = Setup.make("derived");
        InMemoryNetwork net = new InMemoryNetwork(Duration.ofSeconds(5), 1 << 20);
        CompletableFuture<Integer> dealer = CompletableFuture.supplyAsync(
                () -> new Dealer(s.plan(), net.transport(Role.DEALER), AesCtrPrg.freshSeed()).setup(10));
        CompletableFuture<PartyRandomness> p0 = CompletableFuture.supplyAsync(
                () -> PartyRandomness.connect(Role.P0, net.transport(Role.P0), s.plan(), 4, 10));
        PartyRandomness p1 = PartyRandomness.connect(Role.P1, net.transport(Role.P1), s.plan(), 4, 10);
        assertEquals(4, dealer.join());
        assertEquals(4, p0.join().firstStep());
        assertEquals(6, p1.steps());
    }

    @Test
    void aPartyThatFinishesEarlyLetsTheOtherFailAtOnceNamingIt() {
        Setup s = Setup.make("early end");
        ProtocolException e = assertThrows(ProtocolException.class, () -> assertTimeoutQuick(() ->
                LocalComputation.run(s.plan(), 1, AesCtrPrg.freshSeed(), FixedPoint.DEFAULT, Duration.ofSeconds(60),
                        (party, randomness) -> {
                            party.beginStep(0, randomness.forStep(0));
                            // P1 opens a tensor P0 never sends: P0 has finished and closed its links
                            return party.role().equals(Role.P0) ? null : party.open(Ring128Tensor.filled(X, 1));
                        })));
        assertTrue(e.getMessage().contains("P0 closed the connection"), e.getMessage());
    }
}
