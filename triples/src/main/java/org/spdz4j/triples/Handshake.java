package org.spdz4j.triples;

import java.util.HexFormat;
import java.util.Map;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;

/**
 * How a compute party joins a computation, over any transport: it agrees with the other party
 * on the plan hash and on every further public fact given (fixed point, dataset, optimizer,
 * ...; a difference fails both sides naming the field and both values), takes its seed, the
 * dealer's plan hash and the dealer's step range, and sets up input sharing. The one copy of
 * this sequence: {@link LocalComputation}, {@link Session#runParty} and the {@code spdz party}
 * command use it.
 *
 * <pre>{@code
 * Handshake.Party p = Handshake.computeParty(transport, plan, FixedPoint.DEFAULT, 0, AesCtrPrg.freshSeed(),
 *         Map.of("dataset", "mnist 60000"));
 * p.party().beginStep(0, p.randomness().forStep(0));
 * }</pre>
 */
public final class Handshake {
    /** Tag of the word a participant sends the dealer when it finished successfully. */
    public static final Tag DONE = new Tag(Tag.Kind.DONE, 0, 0);

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
     * Joins {@code transport}'s compute party to the computation of {@code plan} from step
     * {@code firstStep}.
     *
     * @param inputSeed  P0's seed for input sharing (ignored at P1); {@code AesCtrPrg.freshSeed()}
     *                   unless a run must be reproducible
     * @param agreements further public facts both parties must share, by name, checked in order
     */
    public static Party computeParty(Transport transport, Plan plan, FixedPoint fp, int firstStep, byte[] inputSeed,
                                     Map<String, String> agreements) {
        ComputeParty party = new ComputeParty(transport.self(), transport, fp);
        party.agree("plan hash", HexFormat.of().formatHex(plan.hash()));
        for (Map.Entry<String, String> e : agreements.entrySet()) {
            party.agree(e.getKey(), e.getValue());
        }
        PartyRandomness randomness = PartyRandomness.connect(transport.self(), transport, plan, firstStep);
        party.setupInputSharing(inputSeed);
        return new Party(party, randomness);
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
        for (Role p : new Role[]{Role.P0, Role.P1}) {
            transport.receiveBytes(p, DONE);
        }
    }
}
