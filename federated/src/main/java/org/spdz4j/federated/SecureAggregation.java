package org.spdz4j.federated;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;

/**
 * Secure aggregation by the two compute parties (federated averaging): in round r each client
 * splits its vector x_k into two additive shares, a fresh PRG seed for P0 (P0's share is the
 * seed's expansion) and {@code x_k - PRG(seed)} for P1; the aggregators wait for the round's
 * shares until a deadline, agree on the clients both heard from (a client that reached only one
 * of them is left out by both), add those shares locally and, if at least {@code minimum}
 * clients are in, send their sums to the coordinator, who alone learns {@code sum x_k}; below
 * the minimum nothing is revealed. No single aggregator sees any client's vector.
 *
 * <pre>{@code
 * SecureAggregation.submit(clientTransport, round, vector);                          // at client k
 * SecureAggregation.Collected c = SecureAggregation.collect(t, round, clients, shape, deadline);
 * SecureAggregation.reveal(t, Role.COORDINATOR, round, c, 3);                          // at P0 and P1
 * SecureAggregation.Sum s = SecureAggregation.receive(coordinatorTransport, round, shape);
 * }</pre>
 */
public final class SecureAggregation {
    private static final int SHARE = 0;
    private static final int CLIENT_SET = 1;
    private static final int CLIENT_COUNT = 2;
    private static final int SUM = 3;

    private SecureAggregation() {
    }

    private static Tag tag(int round, int what) {
        return new Tag(Tag.Kind.AGGREGATE, round, what);
    }

    /** At a client: sends P0 a fresh seed and P1 {@code value} minus its expansion. */
    public static void submit(Transport t, int round, Ring128Tensor value) {
        byte[] seed = AesCtrPrg.freshSeed();
        Ring128Tensor p0 = new AesCtrPrg(seed).tensor(value.shape(), 0, round);
        t.sendBytes(Role.P0, tag(round, SHARE), seed);
        t.send(Role.P1, tag(round, SHARE), value.sub(p0));
    }

    /**
     * What an aggregator collected in a round: its share of each client's vector for the clients
     * both aggregators heard from, and so its share of their sum.
     *
     * @param shape       the clients' vectors' shape
     * @param clients     the clients in the sum, the same at both aggregators
     * @param shares      this aggregator's share of each client's vector, in the order of {@code clients}
     *                    (for checks on shares before the sum is revealed)
     * @param missed      the clients this aggregator did not hear from by the deadline: a caller stops
     *                    waiting for them in later rounds (a late share would be out of step)
     * @param waitedUntil {@code System.nanoTime()} when the waiting for shares ended: what comes
     *                    after (agreeing, adding, revealing) is the aggregation's own time
     */
    public record Collected(Shape shape, List<Role> clients, List<Ring128Tensor> shares, List<Role> missed,
                            long waitedUntil) {
        /** This aggregator's share of the sum of the clients' vectors (zeros when no client is in). */
        public Ring128Tensor sum() {
            Ring128Tensor sum = Ring128Tensor.zeros(shape);
            for (Ring128Tensor share : shares) {
                sum = sum.add(share);
            }
            return sum;
        }

        /** The same round with these shares of the same clients' vectors (clipped on shares, say). */
        public Collected withShares(List<Ring128Tensor> replaced) {
            if (replaced.size() != shares.size()) {
                throw new IllegalArgumentException(replaced.size() + " shares for " + shares.size() + " clients");
            }
            return new Collected(shape, clients, List.copyOf(replaced), missed, waitedUntil);
        }

        /** The same round with only the clients {@code keep} says yes to (by position). */
        public Collected keeping(java.util.function.IntPredicate keep) {
            List<Role> in = new ArrayList<>();
            List<Ring128Tensor> kept = new ArrayList<>();
            for (int i = 0; i < clients.size(); i++) {
                if (keep.test(i)) {
                    in.add(clients.get(i));
                    kept.add(shares.get(i));
                }
            }
            return new Collected(shape, in, kept, missed, waitedUntil);
        }
    }

    /**
     * At P0 or P1: waits until {@code deadline} (nanoTime) for the round's share from each of
     * {@code clients}, agrees with the other aggregator on who is in, and adds those shares.
     */
    public static Collected collect(Transport t, int round, List<Role> clients, Shape shape, long deadline) {
        boolean p0 = t.self().equals(Role.P0);
        List<Role> heard = new ArrayList<>();
        List<Role> missed = new ArrayList<>();
        List<Ring128Tensor> shares = new ArrayList<>();
        for (Role c : clients) {
            long left = Math.max(1, deadline - System.nanoTime());
            Ring128Tensor share;
            try {
                share = p0 ? seedShare(t.receiveBytes(c, tag(round, SHARE), Duration.ofNanos(left)), c, shape, round)
                        : ComputeParty.checkShape(t.receive(c, tag(round, SHARE), Duration.ofNanos(left)), shape, c,
                                tag(round, SHARE), t.self());
            } catch (Malformed bad) { // in step (its message was read), but not in this round's sum
                System.err.printf("%s, round %d: %s left out of the round: %s%n", t.self(), round + 1, c, bad.getMessage());
                continue;
            } catch (ProtocolException late) {
                missed.add(c); // not in this round: dropped, late, never sent or of another shape
                continue;
            }
            heard.add(c);
            shares.add(share);
        }
        long waitedUntil = System.nanoTime();
        Role other = t.self().peer();
        t.sendBytes(other, tag(round, CLIENT_SET), FederatedTraining.names(heard));
        List<Role> theirs = FederatedTraining.roles(t.receiveBytes(other, tag(round, CLIENT_SET)));
        return new Collected(shape, heard, shares, missed, waitedUntil).keeping(i -> theirs.contains(heard.get(i)));
    }

    /** A client's message that was read (so the client stays in step) but cannot enter the sum. */
    private static final class Malformed extends RuntimeException {
        Malformed(String why) {
            super(why);
        }
    }

    /** P0's share of client {@code c}'s vector: the expansion of its seed, which must be exactly a seed. */
    private static Ring128Tensor seedShare(byte[] seed, Role c, Shape shape, int round) {
        if (seed.length != AesCtrPrg.SEED_BYTES) {
            throw new Malformed("its PRG seed has " + seed.length + " bytes, not " + AesCtrPrg.SEED_BYTES);
        }
        return new AesCtrPrg(seed).tensor(shape, 0, round);
    }

    /**
     * At P0 or P1: sends {@code to} this aggregator's share of the sum if at least {@code minimum}
     * clients (and at least one) are in; otherwise only word that the round was skipped. The
     * word is a skip flag and the number of clients in. Returns whether it revealed.
     */
    public static boolean reveal(Transport t, Role to, int round, Collected c, int minimum) {
        boolean enough = c.clients().size() >= Math.max(1, minimum);
        t.sendBytes(to, tag(round, CLIENT_COUNT), ByteBuffer.allocate(8).putInt(enough ? 0 : 1).putInt(c.clients().size())
                .array());
        if (enough) {
            t.send(to, tag(round, SUM), c.sum());
        }
        return enough;
    }

    /**
     * The round's sum at the coordinator.
     *
     * @param value   the sum of the clients' vectors; null when the round was skipped (below the minimum)
     * @param clients how many clients are in it (or were, in a skipped round)
     */
    public record Sum(Ring128Tensor value, int clients) {
        /** Whether nothing was revealed this round. */
        public boolean skipped() {
            return value == null;
        }
    }

    /** At the coordinator: the sum of the round, added from both aggregators' shares (its value null if skipped). */
    public static Sum receive(Transport t, int round, Shape shape) {
        return receive(t, round, shape, null);
    }

    /**
     * As {@link #receive(Transport, int, Shape)}, waiting up to {@code limit} (null: the
     * transport's timeout) for each aggregator's word: the aggregators answer only after the
     * round's local training and deadline.
     */
    public static Sum receive(Transport t, int round, Shape shape, Duration limit) {
        return receive(t, round, shape, limit, List.of(Role.P0, Role.P1));
    }

    /**
     * As {@link #receive(Transport, int, Shape, Duration)} from {@code aggregators} (a plaintext
     * reference run reveals from P0 alone).
     */
    public static Sum receive(Transport t, int round, Shape shape, Duration limit, List<Role> aggregators) {
        Ring128Tensor sum = Ring128Tensor.zeros(shape);
        int clients = 0;
        boolean skipped = false;
        for (Role p : aggregators) { // all are read, so the next round starts in step
            Tag count = tag(round, CLIENT_COUNT);
            byte[] word = limit == null ? t.receiveBytes(p, count) : t.receiveBytes(p, count, limit);
            if (word.length != 8) {
                throw new ProtocolException(p + "'s word on round " + (round + 1) + " has " + word.length + " bytes, not 8");
            }
            ByteBuffer b = ByteBuffer.wrap(word);
            boolean skip = b.getInt() != 0;
            clients = b.getInt();
            skipped |= skip;
            if (!skip) {
                sum = sum.add(ComputeParty.receiveShaped(t, p, tag(round, SUM), shape));
            }
        }
        return new Sum(skipped ? null : sum, clients);
    }
}
