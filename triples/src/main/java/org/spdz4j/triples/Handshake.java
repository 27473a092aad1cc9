package org.spdz4j.triples;

import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Collection;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeSet;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.Disagreement;
import org.spdz4j.core.transport.Mismatch;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;

/**
 * How a compute party joins a computation, over any transport: it asks the dealer for its steps
 * of the plan, agrees with the other party on every public fact given (batch size, dataset,
 * optimizer, ...; a difference fails both sides naming the field and both values) and on the plan
 * hash, all in one round, sets up input sharing, and takes its seed, the dealer's plan hash and
 * the dealer's step range: the dealer's answer travels while the parties talk, so where the
 * dealer is as far as the other party joining takes two one-way delays (four in turn). The one
 * copy of this sequence: {@link LocalComputation}, {@link Session#runParty} and the
 * {@code spdz party} command use it.
 *
 * <pre>{@code
 * Handshake.Party p = Handshake.computeParty(transport, plan, FixedPoint.DEFAULT, 0, steps, AesCtrPrg.freshSeed(),
 *         Map.of("dataset", "mnist 60000"));
 * p.party().beginStep(0, p.randomness().forStep(0));
 * }</pre>
 *
 * <h2>What it throws</h2>
 * {@link org.spdz4j.core.transport.ProtocolException} when the parties disagree on a named fact
 * (both values named), on the plan (the first entry that differs, on both sides), on the steps
 * they hold, or with the dealer; and when a message does not come within the transport's
 * timeout.
 */
public final class Handshake {
    /** Tag of the word a participant sends the dealer when it finished successfully. */
    public static final Tag DONE = new Tag(Tag.Kind.DONE, 0, 0);
    /** The fact under which the compute parties agree on their plan's hash, after the named ones. */
    static final String PLAN_HASH = "plan (its hash)";

    private Handshake() {
    }

    /**
     * A connected compute party.
     *
     * @param party      its online protocol
     * @param randomness its source of the dealer's correlated randomness
     */
    public record Party(ComputeParty party, PartyRandomness randomness) {
    }

    /**
     * Joins {@code transport}'s compute party to the computation of {@code plan} for steps
     * {@code firstStep .. endStep - 1}.
     *
     * @param inputSeed  P0's seed for input sharing (ignored at P1); {@code AesCtrPrg.freshSeed()}
     *                   unless a run must be reproducible
     * @param agreements further public facts both parties must share, by name, checked in order
     */
    public static Party computeParty(Transport transport, Plan plan, FixedPoint fp, int firstStep, int endStep,
                                     byte[] inputSeed, Map<String, String> agreements) {
        ComputeParty party = new ComputeParty(transport.self(), transport, fp);
        return new Party(party, join(party, plan, firstStep, endStep, inputSeed, agreements));
    }

    /**
     * As {@link #computeParty} for a party made earlier (one that took outside inputs before the
     * plan's length was known, as a prediction server does): the agreements, the plan, the
     * dealer, input sharing. Returns its source of correlated randomness.
     */
    public static PartyRandomness join(ComputeParty party, Plan plan, int firstStep, int endStep, byte[] inputSeed,
                                       Map<String, String> agreements) {
        Transport transport = party.transport();
        Map<String, String> facts = new java.util.LinkedHashMap<>(agreements);
        facts.put(PLAN_HASH, HexFormat.of().formatHex(plan.hash())); // whatever the named facts missed
        // the dealer's answer travels while the parties agree: a one-way time off the setup. Where
        // they disagree, the dealer refuses their requests (another plan or range) and they fail
        // naming the difference here, before they read its answer
        PartyRandomness.Request dealer = PartyRandomness.request(transport, plan, firstStep, endStep);
        try {
            party.agree(facts); // one round for all
        } catch (Disagreement d) {
            if (d.what().equals(PLAN_HASH)) {
                throw planMismatch(transport, plan, d.theirs());
            }
            throw d;
        }
        party.setupInputSharing(inputSeed); // P0's seed travels to P1 while the dealer's answer comes
        return dealer.answer();
    }

    /**
     * Where the compute parties hold different plans though every named fact agreed: both send
     * their plan's listing (a message on failure only) and fail naming the first entry that differs.
     */
    private static Mismatch planMismatch(Transport transport, Plan plan, String theirHash) {
        Role self = transport.self();
        Tag listingTag = new Tag(Tag.Kind.HANDSHAKE, 2, 1);
        transport.sendBytes(self.peer(), listingTag, plan.listing().getBytes(java.nio.charset.StandardCharsets.UTF_8));
        String listing = new String(transport.receiveBytes(self.peer(), listingTag), java.nio.charset.StandardCharsets.UTF_8);
        return new Mismatch("plan hash mismatch: " + self + " has " + HexFormat.of().formatHex(plan.hash()) + " but "
                + self.peer() + " has " + theirHash + "; " + plan.firstDifference(self.toString(), self.peer().toString(), listing));
    }

    /**
     * The latest step both compute parties can start from: each sends the other the steps it
     * {@code holds} (its checkpoints, or just 0 for a fresh run), and both take the largest they share. Refused naming both
     * lists when they share none.
     */
    public static int commonStep(Transport transport, Collection<Integer> holds) {
        Role self = transport.self();
        TreeSet<Integer> mine = new TreeSet<>(holds);
        ByteBuffer out = ByteBuffer.allocate(4 * mine.size());
        mine.forEach(out::putInt);
        Tag tag = new Tag(Tag.Kind.HANDSHAKE, 1, 0);
        transport.sendBytes(self.peer(), tag, out.array());
        ByteBuffer in = ByteBuffer.wrap(transport.receiveBytes(self.peer(), tag));
        TreeSet<Integer> theirs = new TreeSet<>();
        while (in.remaining() >= 4) {
            theirs.add(in.getInt());
        }
        TreeSet<Integer> common = new TreeSet<>(mine);
        common.retainAll(theirs);
        if (common.isEmpty()) {
            throw new Mismatch("no common step to start from: " + self + " can start at steps " + mine + " but "
                    + self.peer() + " at " + theirs + " (a fresh run starts at 0, --resume at a checkpoint both hold)");
        }
        return common.last();
    }

    /** Tells the dealer this party finished successfully. */
    public static void done(Transport transport) {
        transport.sendBytes(Role.DEALER, DONE, new byte[0]);
    }

    /**
     * At the dealer: waits for both parties' {@link #done}. A party that failed or died closed its
     * link instead, and this fails at once naming it.
     */
    public static void awaitParties(Transport transport) {
        awaitParties(transport, null);
    }

    /**
     * As {@link #awaitParties(Transport)}, waiting up to {@code limit} (null: the transport's
     * timeout) for each: the parties may train long after the dealer produced its last step.
     */
    public static void awaitParties(Transport transport, Duration limit) {
        for (Role p : new Role[]{Role.P0, Role.P1}) {
            try {
                if (limit == null) {
                    transport.receiveBytes(p, DONE);
                } else {
                    transport.receiveBytes(p, DONE, limit);
                }
            } catch (ProtocolException e) {
                throw new ProtocolException(p + " did not finish the run: " + e.getMessage(), e);
            }
        }
    }
}
