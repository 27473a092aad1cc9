package org.spdz4j.core.mpc;

import java.util.HexFormat;
import java.util.Objects;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Tag;
import org.spdz4j.core.transport.Transport;

/**
 * One compute party's side of the online protocol: opening, masking (once per tensor),
 * Beaver products, truncation, powers and input sharing, for one step at a time. Every
 * opening is tagged with (step, position) so parties that fall out of step fail at once.
 *
 * <pre>{@code
 * ComputeParty p = new ComputeParty(Role.P0, transport, FixedPoint.DEFAULT);
 * p.agree("plan hash", plan.hash());
 * p.beginStep(0, randomness);
 * MaskedTensor x = p.mask(xShare, xMask);          // the one opening of x
 * MaskedTensor w = p.mask(wShare, wMask);
 * Ring128Tensor y = p.truncate(p.multiply(BilinearOps.matmul(false, true), product, x, w), 20);
 * }</pre>
 */
public final class ComputeParty {
    private final Role role;
    private final Transport transport;
    private final FixedPoint fixedPoint;
    private CorrelatedRandomness randomness;
    private AesCtrPrg inputPrg;
    private int step;
    private int position;
    private int handshakes;

    public ComputeParty(Role role, Transport transport, FixedPoint fixedPoint) {
        if (!role.isComputeParty()) {
            throw new IllegalArgumentException("a compute party is P0 or P1, not " + role);
        }
        if (transport.self() != role) {
            throw new IllegalArgumentException("transport belongs to " + transport.self() + ", not " + role);
        }
        this.role = role;
        this.transport = transport;
        this.fixedPoint = fixedPoint;
    }

    public Role role() {
        return role;
    }

    public FixedPoint fixedPoint() {
        return fixedPoint;
    }

    public Transport transport() {
        return transport;
    }

    public int step() {
        return step;
    }

    /**
     * Checks that the peer holds the same public value (plan hash, format, version) under
     * {@code what}; on a difference both parties fail with a message naming both values.
     */
    public void agree(String what, byte[] mine) {
        agree(what, HexFormat.of().formatHex(mine));
    }

    /** As {@link #agree(String, byte[])} for a readable value: the message shows both texts. */
    public void agree(String what, String mine) {
        Tag tag = new Tag(Tag.Kind.HANDSHAKE, 0, handshakes++);
        byte[] bytes = mine.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        transport.sendBytes(role.peer(), tag, bytes);
        String theirs = new String(transport.receiveBytes(role.peer(), tag), java.nio.charset.StandardCharsets.UTF_8);
        if (!mine.equals(theirs)) {
            throw new ProtocolException(what + " mismatch: " + role + " has '" + mine + "' but " + role.peer()
                    + " has '" + theirs + "'");
        }
    }

    /** Agrees on the seed for zero-communication input sharing: P0 draws it, P1 receives it. */
    public void setupInputSharing() {
        setupInputSharing(AesCtrPrg.freshSeed());
    }

    /**
     * As {@link #setupInputSharing()} with P0's seed given (ignored at P1), for runs that must
     * be reproducible bit for bit.
     */
    public void setupInputSharing(byte[] p0Seed) {
        Tag tag = new Tag(Tag.Kind.SEED, 0, 0);
        byte[] seed;
        if (role == Role.P0) {
            seed = p0Seed.clone();
            transport.sendBytes(Role.P1, tag, seed);
        } else {
            seed = transport.receiveBytes(Role.P0, tag);
        }
        inputPrg = new AesCtrPrg(seed);
    }

    /** Starts step {@code step} with its correlated randomness; openings are counted afresh. */
    public void beginStep(int step, CorrelatedRandomness randomness) {
        this.step = step;
        this.randomness = Objects.requireNonNull(randomness, "randomness");
        this.position = 0;
    }

    /** Reveals a shared tensor to both parties: one round, {@code 16 * size} bytes each way. */
    public Ring128Tensor open(Ring128Tensor share) {
        return open(share, new Tag(Tag.Kind.OPEN, step, position++));
    }

    private Ring128Tensor open(Ring128Tensor share, Tag tag) {
        Ring128Tensor theirs = transport.exchange(role.peer(), tag, share);
        if (!theirs.shape().equals(share.shape())) {
            throw new ProtocolException(role + " opened a tensor of shape " + share.shape() + " but " + role.peer()
                    + " sent shape " + theirs.shape() + " for " + tag);
        }
        return share.add(theirs);
    }

    /** Opens {@code X - A} for the mask of plan entry {@code maskEntry}; the result serves every later product. */
    public MaskedTensor mask(Ring128Tensor share, int maskEntry) {
        Ring128Tensor maskShare = randomness().share(maskEntry);
        if (!maskShare.shape().equals(share.shape())) {
            throw new IllegalArgumentException("mask entry " + maskEntry + " has shape " + maskShare.shape()
                    + " but the tensor to mask has shape " + share.shape());
        }
        Ring128Tensor opened = open(share.sub(maskShare), new Tag(Tag.Kind.MASK, step, maskEntry));
        return new MaskedTensor(share, maskShare, opened, maskEntry);
    }

    /** Share of {@code op(X, Y)} (untruncated) with the dealer's product of plan entry {@code productEntry}. */
    public Ring128Tensor multiply(BilinearOp op, int productEntry, MaskedTensor x, MaskedTensor y) {
        return BeaverProduct.combine(role, op, x, y, randomness().share(productEntry));
    }

    public Ring128Tensor truncate(Ring128Tensor share, int bits) {
        return Truncation.truncate(role, share, bits);
    }

    /**
     * Shares of {@code x^1 .. x^d} (untruncated, {@code x^k} at scale 2^(kf)) from x's one
     * opening; {@code powerEntries} are the plan entries of {@code A^2 .. A^d}.
     */
    public Ring128Tensor[] powers(MaskedTensor x, int... powerEntries) {
        Ring128Tensor[] maskPowers = new Ring128Tensor[powerEntries.length + 2];
        for (int j = 0; j < powerEntries.length; j++) {
            maskPowers[j + 2] = x.maskPower(powerEntries[j], randomness()::share);
        }
        return Powers.compute(role, x, maskPowers);
    }

    /**
     * Shares of {@code delta * x^m}, m = 0..d, from the one opening of each (see
     * {@link Powers#timesPowers}); {@code powerEntries} are the plan entries of {@code A^2 .. A^d}
     * of x's mask, {@code deltaProductEntries} those of {@code D * A^1 .. D * A^d}.
     */
    public Ring128Tensor[] timesPowers(MaskedTensor delta, MaskedTensor x, int[] powerEntries, int[] deltaProductEntries) {
        Ring128Tensor[] maskPowers = new Ring128Tensor[deltaProductEntries.length + 1];
        for (int j = 0; j < powerEntries.length && j + 2 < maskPowers.length; j++) {
            maskPowers[j + 2] = x.maskPower(powerEntries[j], randomness()::share);
        }
        Ring128Tensor[] products = new Ring128Tensor[deltaProductEntries.length + 1];
        for (int j = 0; j < deltaProductEntries.length; j++) {
            products[j + 1] = randomness().share(deltaProductEntries[j]);
        }
        return Powers.timesPowers(role, delta, x, maskPowers, products);
    }

    /**
     * Reveals a shared tensor to {@code owner} only: the other party sends its share and learns
     * nothing. Returns the value at the owner and null at the other party.
     */
    public Ring128Tensor revealTo(Role owner, Ring128Tensor share) {
        Tag tag = new Tag(Tag.Kind.OPEN, step, position++);
        if (owner != role) {
            transport.send(owner, tag, share);
            return null;
        }
        Ring128Tensor theirs = transport.receive(role.peer(), tag);
        if (!theirs.shape().equals(share.shape())) {
            throw new ProtocolException(role + " expected a share of shape " + share.shape() + " from " + role.peer()
                    + " for " + tag + " but got " + theirs.shape());
        }
        return share.add(theirs);
    }

    /**
     * This party's share of an input owned by one of the parties, without communication: the
     * other party's share is PRG output under the seed of {@link #setupInputSharing}, the owner's
     * is the value minus it. {@code value} is ignored (may be null) unless this party is the owner.
     */
    public Ring128Tensor shareInput(Role owner, Ring128Tensor value, Shape shape, int stream) {
        if (inputPrg == null) {
            throw new IllegalStateException("call setupInputSharing() before sharing inputs");
        }
        Ring128Tensor other = inputPrg.tensor(shape, stream, step);
        if (owner != role) {
            return other;
        }
        if (value == null || !value.shape().equals(shape)) {
            throw new IllegalArgumentException("input owner " + role + " must supply a tensor of shape " + shape);
        }
        return value.sub(other);
    }

    private CorrelatedRandomness randomness() {
        if (randomness == null) {
            throw new IllegalStateException("beginStep() must be called before using correlated randomness");
        }
        return randomness;
    }
}
