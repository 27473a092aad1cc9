package org.spdz4j.triples;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;

/**
 * The facade refuses, at the call and naming what is wrong, what it used to compute silently:
 * a reveal to or an input from the dealer (the dealer would rebuild the secret, or both parties
 * would take the same random share), a tensor of another session in any operation (local ones
 * included), a null or empty shape, a null tensor.
 */
class SessionArgumentsTest {
    private static final Shape SHAPE = Shape.of(2, 2);
    private static final double[] X = {0.5, -1.0, 0.25, 2.0};

    @Test
    void aRevealToOrAnInputFromTheDealerIsRefused() {
        IllegalArgumentException reveal = assertThrows(IllegalArgumentException.class, () -> Session.runLocal(s ->
                s.revealTo(Role.DEALER, s.input(Role.P0, X, SHAPE))));
        assertTrue(reveal.getMessage().contains("cannot reveal to DEALER"), reveal.getMessage());
        IllegalArgumentException input = assertThrows(IllegalArgumentException.class, () -> Session.runLocal(s ->
                s.reveal(s.input(Role.DEALER, X, SHAPE))));
        assertTrue(input.getMessage().contains("cannot input from DEALER"), input.getMessage());
    }

    @Test
    void aTensorOfAnotherSessionIsRefusedByEveryOperation() {
        SecretTensor[] stale = new SecretTensor[1];
        Session.runLocal(s -> {
            stale[0] = s.input(Role.P0, X, SHAPE);
            return s.reveal(stale[0]);
        });
        every().forEach((name, op) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Session.runLocal(s -> op.apply(s, stale[0])), name);
            assertTrue(e.getMessage().contains("belongs to another session"), name + ": " + e.getMessage());
        });
    }

    /** The two threads of runLocal share a tensor: P1 is refused P0's, whatever the operation. */
    @Test
    void aTensorOfTheOtherPartyIsRefusedByEveryOperation() {
        every().forEach((name, op) -> {
            java.util.concurrent.CompletableFuture<SecretTensor> p0s = new java.util.concurrent.CompletableFuture<>();
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Session.runLocal(s -> {
                SecretTensor mine = s.input(Role.P0, X, SHAPE);
                if (Role.P0.equals(s.role())) {
                    p0s.complete(mine);
                    return s.reveal(mine);
                }
                return s.role() == null ? null : op.apply(s, p0s.get(10, java.util.concurrent.TimeUnit.SECONDS));
            }), name);
            assertTrue(e.getMessage().contains("belongs to another session or another party"), name + ": " + e.getMessage());
        });
    }

    /** Every operation of the facade on {@code t} (and fresh tensors of its own session). */
    private static Map<String, BiFunction<Session, SecretTensor, Object>> every() {
        Map<String, BiFunction<Session, SecretTensor, Object>> ops = new LinkedHashMap<>();
        ops.put("sum", (s, t) -> s.sum(t));
        ops.put("scale", (s, t) -> s.scale(t, 2.0));
        ops.put("addPublic", (s, t) -> s.addPublic(t, 1.0));
        ops.put("add", (s, t) -> s.add(t, s.input(Role.P1, X, SHAPE)));
        ops.put("add (second)", (s, t) -> s.add(s.input(Role.P1, X, SHAPE), t));
        ops.put("sub", (s, t) -> s.sub(t, s.input(Role.P1, X, SHAPE)));
        ops.put("mul", (s, t) -> s.mul(t, s.input(Role.P1, X, SHAPE)));
        ops.put("square", (s, t) -> s.square(t));
        ops.put("matmul", (s, t) -> s.matmul(s.input(Role.P1, X, SHAPE), t));
        ops.put("reveal", (s, t) -> s.reveal(t));
        ops.put("revealTo", (s, t) -> s.revealTo(Role.P0, t));
        ops.put("conv2d", (s, t) -> s.conv2d(s.input(Role.P1, new double[16], Shape.of(1, 1, 4, 4)), t, 1, 0));
        ops.put("requireRange", (s, t) -> {
            s.requireRange(t, 10);
            return null;
        });
        return ops;
    }

    @Test
    void nullsAndEmptyShapesAreRefusedNamingTheArgument() {
        NullPointerException shape = assertThrows(NullPointerException.class, () -> Session.runLocal(s ->
                s.reveal(s.input(Role.P0, X, null))));
        assertTrue(shape.getMessage().contains("shape"), shape.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class, () -> Session.runLocal(s ->
                s.reveal(s.input(Role.P0, new double[0], Shape.of(0, 3)))));
        assertTrue(empty.getMessage().contains("not positive"), empty.getMessage());
        NullPointerException tensor = assertThrows(NullPointerException.class, () -> Session.runLocal(s ->
                s.mul(null, s.input(Role.P0, X, SHAPE))));
        assertTrue(tensor.getMessage().contains("secret tensor"), tensor.getMessage());
    }
}
