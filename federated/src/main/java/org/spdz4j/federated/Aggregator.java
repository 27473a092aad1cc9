package org.spdz4j.federated;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Transport;
import org.spdz4j.federated.FederatedTraining.Config;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.triples.Dealer;
import org.spdz4j.triples.Handshake;

/**
 * P0's and P1's part of a federated run (the two aggregators, which add the clients' updates on
 * shares) and, with the check on shares (the default in secure aggregation), the dealer's.
 *
 * <pre>{@code
 * Aggregator.run(config, scaling, transport);        // at P0 or P1
 * Aggregator.dealer(config, transport, seed);        // unless --plaintext or --no-input-check
 * }</pre>
 */
public final class Aggregator {
    private Aggregator() {
    }

    /**
     * An aggregator's part: per round, from the coordinator's word on (which names the clients it
     * gave the model), the shares of those clients until the deadline, the agreement on who is
     * in, and the sum's share to the coordinator (P0 also the aggregation's time). A client
     * missed once is not waited for again until it connects anew (a topology with late joins).
     */
    public static void run(Config c, InputScaling scaling, Transport t) {
        if (!c.secure() && t.self().equals(Role.P1)) {
            return; // the plaintext reference adds at P0 alone
        }
        FederatedTraining.requireCoordinatorsFacts(c, scaling, t);
        int first = FederatedTraining.receiveRound(t, FederatedTraining.FIRST_ROUND);
        if (first < 0 || first >= c.rounds()) {
            throw new ProtocolException(t.self() + ": the coordinator's first round " + (first + 1)
                    + " is not one of this run's " + c.rounds());
        }
        Shape vector = FederatedTraining.vector(c);
        if (!t.absent().isEmpty()) { // optional clients that did not connect within the setup window
            int in = c.clients() - t.absent().size();
            System.err.printf("%s: %s did not connect within the setup window: left out until it connects; %d clients in%n",
                    t.self(), t.absent(), in);
            if (in < Math.max(1, c.minimum())) {
                throw new org.spdz4j.core.transport.ProtocolException(t.self() + ": only " + in + " of "
                        + c.clients() + " clients connected, fewer than the minimum " + Math.max(1, c.minimum())
                        + " (--min-clients): no round could be revealed");
            }
        }
        Map<Role, Integer> missedAt = new HashMap<>(); // a client that failed a round, at its connection count then
        InputCheck check = c.inputCheck() ? inputCheck(c, vector) : null;
        Handshake.Party joined = check == null ? null : Handshake.computeParty(t, check.plan(), FederatedTraining.FP,
                first * check.stepsPerRound(), c.rounds() * check.stepsPerRound(), AesCtrPrg.freshSeed(),
                FederatedTraining.facts(c, scaling));
        for (int round = first; round < c.rounds(); round++) {
            List<Role> given = FederatedTraining.roles(t.receiveBytes(FederatedTraining.COORDINATOR,
                    FederatedTraining.tag(round, FederatedTraining.BEGIN), FederatedTraining.ROUND_WAIT));
            long deadline = System.nanoTime() + c.deadline().toNanos();
            List<Role> expected = new ArrayList<>(); // given the model, connected here, and not failed since it connected
            for (int k : FederatedTraining.sample(c, round)) {
                Role client = FederatedTraining.client(k);
                int joins = t.joins(client);
                if (given.contains(client) && joins > 0 && !Integer.valueOf(joins).equals(missedAt.get(client))) {
                    expected.add(client);
                }
            }
            SecureAggregation.Collected got = c.secure() ? SecureAggregation.collect(t, round, expected, vector, deadline)
                    : collectClear(t, round, expected, vector, deadline);
            if (check != null) {
                if (t.self().equals(Role.P0)) {
                    t.sendBytes(Role.DEALER, FederatedTraining.tag(round, FederatedTraining.CHECK), new byte[0]);
                }
                got = checkInputs(c, check, joined, round, got);
            }
            SecureAggregation.reveal(t, FederatedTraining.COORDINATOR, round, got, c.minimum());
            for (Role missed : got.missed()) {
                missedAt.put(missed, t.joins(missed)); // waited for again only once it connects anew
            }
            if (!got.missed().isEmpty()) {
                System.err.printf("%s, round %d: left out %s (no share by the deadline)%n", t.self(), round + 1,
                        String.join(", ", got.missed().stream().map(Role::name).toList()));
            }
            if (t.self().equals(Role.P0)) {
                t.sendBytes(FederatedTraining.COORDINATOR, FederatedTraining.tag(round, FederatedTraining.TIMING),
                        java.nio.ByteBuffer.allocate(8).putDouble((System.nanoTime() - got.waitedUntil()) / 1e9).array());
            }
        }
        if (joined != null) {
            Handshake.done(t); // the dealer counts the run a success only when both aggregators say so
        }
    }

    /** The input check's plan: one row per sampled client, each a client's vector. */
    static InputCheck inputCheck(Config c, Shape vector) {
        return InputCheck.of(FederatedTraining.sample(c, 0).size(), vector.size(), c.normBound() > 0, c.clipOnShares());
    }

    /**
     * The round's clients checked on shares (absent ones as zero rows): elements, count and, with
     * one, the norm bound; those that fail are left out of the sum at both aggregators, the log
     * naming them and the reason.
     */
    private static SecureAggregation.Collected checkInputs(Config c, InputCheck check, Handshake.Party joined, int round,
                                                          SecureAggregation.Collected got) {
        ComputeParty party = joined.party();
        InputCheck.Verdict v = check.check(party, joined.randomness()::forStep, round, got.shares(), c.normBound(),
                c.mostExamples(), c.clipOnShares() ? c.clip() : 0);
        for (int i = 0; i < got.clients().size(); i++) {
            if (v.elementsOutside()[i] != 0) {
                System.err.printf("%s, round %d: %s's update has elements outside the fixed-point headroom (%d range checks "
                        + "failed): left out%n", party.role(), round + 1, got.clients().get(i), v.elementsOutside()[i]);
            } else if (!v.countOk()[i]) {
                System.err.printf("%s, round %d: %s's example count is not in [1, %d]: left out%n", party.role(), round + 1,
                        got.clients().get(i), c.mostExamples());
            } else if (!v.normOk()[i]) {
                System.err.printf("%s, round %d: %s's update exceeds the norm bound %s: left out%n", party.role(), round + 1,
                        got.clients().get(i), c.normBound());
            }
        }
        boolean[] pass = v.pass();
        return got.withShares(v.rows()).keeping(i -> pass[i]);
    }

    /**
     * The dealer's part when the input check is on: each round's randomness for the check once
     * P0 says the check begins, from the round the aggregators ask for on (a resumed run's
     * first), then the aggregators' word.
     */
    public static void dealer(Config c, Transport t, byte[] seed) {
        InputCheck check = inputCheck(c, FederatedTraining.vector(c));
        int slices = check.stepsPerRound();
        Dealer dealer = new Dealer(check.plan(), t, seed);
        int firstStep = dealer.setup(c.rounds() * slices); // a resumed run's aggregators ask from its first round on
        if (firstStep % slices != 0) {
            throw new ProtocolException("DEALER: the aggregators ask from step " + firstStep
                    + ", which does not begin a round (" + slices + " steps each)");
        }
        for (int round = firstStep / slices; round < c.rounds(); round++) {
            t.receiveBytes(Role.P0, FederatedTraining.tag(round, FederatedTraining.CHECK), FederatedTraining.ROUND_WAIT);
            for (int j = 0; j < slices; j++) {
                dealer.produce(round * slices + j);
            }
        }
        Handshake.awaitParties(t, FederatedTraining.ROUND_WAIT); // the rounds take as long as the clients' training
    }

    /** The plaintext reference at P0: the clear vectors of {@code clients} until the deadline, added. */
    private static SecureAggregation.Collected collectClear(Transport t, int round, List<Role> clients, Shape vector,
                                                           long deadline) {
        List<Role> in = new ArrayList<>();
        List<Ring128Tensor> vectors = new ArrayList<>();
        List<Role> missed = new ArrayList<>();
        for (Role who : clients) {
            try {
                vectors.add(t.receive(who, FederatedTraining.tag(round, 0), Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))));
                in.add(who);
            } catch (ProtocolException gone) {
                missed.add(who);
            }
        }
        return new SecureAggregation.Collected(vector, in, vectors, missed, System.nanoTime());
    }
}
