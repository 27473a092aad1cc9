package org.spdz4j.federated;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.InMemoryNetwork;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.TrafficCounter;
import org.spdz4j.core.transport.Transport;

/** Secure aggregation: the coordinator's sum is exactly the sum of the vectors of the clients both aggregators heard. */
class SecureAggregationTest {
    private static final Shape SHAPE = Shape.of(5);
    private static final Role COORDINATOR = Role.parse("COORDINATOR");

    private static Role client(int k) {
        return Role.parse("CLIENT" + k);
    }

    private static Ring128Tensor vector(int k) {
        return Ring128Tensor.ofLongs(SHAPE, 3 * k + 1, -7L * k, Long.MAX_VALUE - k, Long.MIN_VALUE + k, 1L << 40);
    }

    /** Runs one round: clients in {@code both} submit, {@code onlyP0} reaches P0 only; returns the coordinator's sum. */
    private static SecureAggregation.Sum round(List<Integer> both, List<Integer> onlyP0, List<Integer> silent, int minimum,
                                               List<List<Role>> inAtAggregators, InMemoryNetwork[] netOut) throws Exception {
        List<Role> roles = new ArrayList<>(List.of(Role.P0, Role.P1, COORDINATOR));
        List<Role> clients = new ArrayList<>();
        for (int k = 0; k < both.size() + onlyP0.size() + silent.size(); k++) {
            roles.add(client(k));
            clients.add(client(k));
        }
        InMemoryNetwork net = new InMemoryNetwork(roles, Duration.ofSeconds(20), 1L << 20);
        netOut[0] = net;
        for (int k : both) {
            SecureAggregation.submit(net.transport(client(k)), 0, vector(k));
        }
        for (int k : onlyP0) {
            net.transport(client(k)).sendBytes(Role.P0, new org.spdz4j.core.transport.Tag(
                    org.spdz4j.core.transport.Tag.Kind.AGGREGATE, 0, 0), new byte[16]);
        }
        long deadline = System.nanoTime() + Duration.ofMillis(300).toNanos();
        List<CompletableFuture<SecureAggregation.Collected>> aggregators = new ArrayList<>();
        for (Role a : new Role[]{Role.P0, Role.P1}) {
            Transport t = net.transport(a);
            aggregators.add(CompletableFuture.supplyAsync(() -> {
                SecureAggregation.Collected c = SecureAggregation.collect(t, 0, clients, SHAPE, deadline);
                SecureAggregation.reveal(t, COORDINATOR, 0, c, minimum);
                return c;
            }));
        }
        SecureAggregation.Sum s = SecureAggregation.receive(net.transport(COORDINATOR), 0, SHAPE);
        for (CompletableFuture<SecureAggregation.Collected> f : aggregators) {
            inAtAggregators.add(f.get().clients());
        }
        return s;
    }

    @Test
    void theSumIsExactlyTheClientsSumAndAClientReachingOneAggregatorIsLeftOutByBoth() throws Exception {
        List<List<Role>> in = new ArrayList<>();
        SecureAggregation.Sum s = round(List.of(0, 1, 3), List.of(2), List.of(4), 2, in, new InMemoryNetwork[1]);
        Ring128Tensor expected = vector(0).add(vector(1)).add(vector(3));
        assertEquals(expected, s.value(), "exact in the ring");
        assertEquals(3, s.clients());
        assertEquals(List.of(client(0), client(1), client(3)), in.get(0));
        assertEquals(in.get(0), in.get(1), "both aggregators agree on who is in");
    }

    @Test
    void belowTheMinimumNothingIsRevealed() throws Exception {
        List<List<Role>> in = new ArrayList<>();
        InMemoryNetwork[] net = new InMemoryNetwork[1];
        SecureAggregation.Sum s = round(List.of(0, 1), List.of(), List.of(2), 3, in, net);
        assertTrue(s.skipped() && s.value() == null, "two clients in, three required");
        assertEquals(2, s.clients());
        assertEquals(2, in.get(0).size());
        for (Role a : new Role[]{Role.P0, Role.P1}) {
            assertEquals(8, net[0].transport(COORDINATOR).traffic().total(a, TrafficCounter.Direction.RECEIVED).bytes(),
                    "from " + a + " the coordinator got only the word that the round was skipped (flag and count)");
        }
    }

    /** A round with no client in is skipped with the explicit flag, even with a minimum of 0 (no division by a zero count). */
    @Test
    void aRoundWithNoClientIsSkippedExplicitly() throws Exception {
        List<List<Role>> in = new ArrayList<>();
        SecureAggregation.Sum s = round(List.of(), List.of(), List.of(0, 1), 0, in, new InMemoryNetwork[1]);
        assertTrue(s.skipped(), "no client: skipped");
        assertEquals(0, s.clients());
    }
}
