package org.spdz4j.core.mpc;

import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;

/**
 * A participant outside the two compute parties that brings inputs and takes results: a data
 * holder (its cut activations, the cut gradient back), a label holder (its labels). It shares an
 * input as the parties share theirs: P0's share is PRG output under a seed this participant sent
 * P0 once ({@link #connect}), P1's is the value minus it, sent to P1; so P0 sees a seed, P1 a
 * uniformly random tensor, neither the value. A result arrives as both parties' shares
 * ({@link ComputeParty#revealToContributor}); only this participant adds them. The parties' side
 * is {@link ComputeParty#acceptContributor} and {@link ComputeParty#contributedInput}.
 *
 * <pre>{@code
 * Contributor holder = Contributor.connect(transport);             // once, before the first step
 * holder.input(step, 0, fp.encode(cut, activations));            // P0: nothing, P1: x - PRG
 * double[] gradient = fp.decode(holder.result(step, 0, cut));     // only the holder learns it
 * }</pre>
 */
public final class Contributor {
    private static final Tag SEED = new Tag(Tag.Kind.SEED, 0, 0);
    private final Transport transport;
    private final AesCtrPrg p0Shares;

    private Contributor(Transport transport, AesCtrPrg p0Shares) {
        this.transport = transport;
        this.p0Shares = p0Shares;
    }

    /** Draws a fresh seed and gives it to P0: from then on P0's shares of this participant's inputs are PRG output. */
    public static Contributor connect(Transport transport) {
        byte[] seed = AesCtrPrg.freshSeed();
        transport.sendBytes(Role.P0, SEED, seed);
        return new Contributor(transport, new AesCtrPrg(seed));
    }

    /** Shares {@code value} as this participant's input {@code stream} of step {@code step}: only P1 is sent anything. */
    public void input(int step, int stream, Ring128Tensor value) {
        transport.send(Role.P1, new Tag(Tag.Kind.INPUT, step, stream), value.sub(p0Shares.tensor(value.shape(), stream, step)));
    }

    /** The result {@code stream} of step {@code step} the parties revealed to this participant alone. */
    public Ring128Tensor result(int step, int stream, Shape shape) {
        Tag tag = new Tag(Tag.Kind.OUTPUT, step, stream);
        Ring128Tensor sum = null;
        for (Role party : new Role[]{Role.P0, Role.P1}) {
            Ring128Tensor share = ComputeParty.receiveShaped(transport, party, tag, shape);
            sum = sum == null ? share : sum.add(share);
        }
        return sum;
    }
}
