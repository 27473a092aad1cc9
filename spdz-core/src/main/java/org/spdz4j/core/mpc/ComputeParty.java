package org.spdz4j.core.mpc;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry.Operand;
import org.spdz4j.core.mpc.PlanEntry.Power;
import org.spdz4j.core.mpc.PlanEntry.Product;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Facts;
import org.spdz4j.core.transport.Mismatch;
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
 * List<MaskedTensor> xw = p.maskAll(List.of(xShare, wShare), List.of(xMask, wMask));  // one round
 * Ring128Tensor y = p.multiply(product, xw.get(0), xw.get(1));  // checks the operands, truncates as planned
 * }</pre>
 *
 * <h2>What it throws</h2>
 * Every method throws {@link ProtocolException} when the peer's message does not come within the
 * transport's timeout (naming the tag it waited for), is malformed or out of step, or (with
 * {@link #checkTranscript}) follows another program; {@link IllegalArgumentException}, naming
 * the plan entry, when a tensor does not fit the entry it is used with (another mask's operand,
 * another shape, a derived mask's other parents); {@link IllegalStateException} for a use out of
 * order (any step operation before {@link #beginStep}, a mask or comparison entry used twice in
 * a step, input sharing before its setup).
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
    private final Set<Long> maskedThisStep = new HashSet<>(); // by entry key (see key)
    private final java.util.Map<Long, SecureComparison.Kept> comparedThisStep = new java.util.HashMap<>();
    private final java.util.Map<Long, MaskedTensor> derivedThisStep = new java.util.HashMap<>();
    private final MicroBatchStep microBatchStep = new MicroBatchStep();
    private final java.util.Map<Role, AesCtrPrg> contributors = new java.util.HashMap<>(); // P0: their seeds' PRGs
    private Transcript transcript; // null: the program is not checked (see checkTranscript)
    private volatile Lanes lanes; // while inLanes runs: the turns its lanes take; else null
    private volatile List<MicroBatch> split; // while inLanes runs micro-batches of one batch: each lane's; else null
    private final List<java.util.concurrent.ExecutorService> laneThreads = new ArrayList<>(); // lanes 1, 2, ...: kept

    /** Party {@code role} (P0 or P1) over {@code transport}, encoding in {@code fixedPoint}. */
    public ComputeParty(Role role, Transport transport, FixedPoint fixedPoint) {
        if (!role.isComputeParty()) {
            throw new IllegalArgumentException("a compute party is P0 or P1, not " + role);
        }
        if (!transport.self().equals(role)) {
            throw new IllegalArgumentException("transport belongs to " + transport.self() + ", not " + role);
        }
        this.role = role;
        this.transport = transport;
        this.fixedPoint = fixedPoint;
    }

    /** This party: P0 or P1. */
    public Role role() {
        return role;
    }

    /** The fixed-point format of the computation. */
    public FixedPoint fixedPoint() {
        return fixedPoint;
    }

    /** The transport this party talks over. */
    public Transport transport() {
        return transport;
    }

    /** The current step (see {@link #beginStep}). */
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
        agree(java.util.Map.of(what, mine));
    }

    /**
     * As {@link #agree(String, String)} for several facts in one exchange (one round, however
     * many): both parties fail with a {@link Disagreement} naming the first fact, in
     * {@code facts}' order, that they hold differently, or naming both lists of facts where they
     * agree on different ones.
     */
    public void agree(java.util.Map<String, String> facts) {
        agree(facts, () -> { });
    }

    /**
     * As {@link #agree(java.util.Map)}, running {@code alongside} once this party's facts are
     * sent and before the peer's are read: what it sends the peer travels with them, in the same
     * one-way time (the peer reads it after its own {@code agree}, in the order sent).
     */
    public void agree(java.util.Map<String, String> facts, Runnable alongside) {
        Tag tag = new Tag(Tag.Kind.HANDSHAKE, 0, handshakes++);
        transport.sendBytes(role.peer(), tag, Facts.encode(facts));
        alongside.run();
        java.util.Map<String, String> theirs = Facts.decode(transport.receiveBytes(role.peer(), tag), role.peer());
        if (!List.copyOf(facts.keySet()).equals(List.copyOf(theirs.keySet()))) {
            throw new Mismatch(role + " agrees on " + facts.keySet() + " but " + role.peer() + " on "
                    + theirs.keySet() + ": another program or version");
        }
        String differs = Facts.firstDifference(facts, theirs);
        if (differs != null) {
            throw new Disagreement(differs, role, facts.get(differs), theirs.get(differs));
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
        if (role.equals(Role.P0)) {
            seed = p0Seed.clone();
            transport.sendBytes(Role.P1, tag, seed);
        } else {
            seed = transport.receiveBytes(Role.P0, tag);
        }
        inputPrg = new AesCtrPrg(seed);
    }

    /**
     * From now on, binds every opening to the program that led to it: each operation the caller
     * {@link #note notes} enters a running hash, whose first 128 bits ride on each opening (one
     * ring element more, no extra round). Two parties whose programs differ (another operation,
     * another order, swapped operands, another public constant) stop at the first opening after
     * the difference with a {@link ProtocolException} naming both sides' first differing
     * operation. Both parties must call it at the same point ({@code Session} does, before its
     * program); the training layers do not, their program being fixed by the agreed configuration.
     */
    public void checkTranscript() {
        if (transcript == null) {
            transcript = new Transcript();
        }
    }

    /**
     * Records {@code operation} in the transcript, if {@link #checkTranscript} is on: a readable
     * description of one operation and its operands, never a secret value (it is shown to the
     * peer when the programs differ).
     */
    public void note(String operation) {
        if (transcript != null) {
            transcript.add(operation);
        }
    }

    /** Starts step {@code step} with its correlated randomness; openings and masks are counted afresh. */
    public void beginStep(int step, CorrelatedRandomness randomness) {
        this.step = step;
        this.randomness = Objects.requireNonNull(randomness, "randomness");
        this.position = 0;
        this.maskedThisStep.clear();
        this.comparedThisStep.clear();
        this.derivedThisStep.clear();
        this.microBatchStep.clear();
    }

    /** Reveals a shared tensor to both parties: one round, {@code 16 * size} bytes each way. */
    public Ring128Tensor open(Ring128Tensor share) {
        return openAll(List.of(share)).get(0);
    }

    /** Reveals several shared tensors to both parties in one round. */
    public List<Ring128Tensor> openAll(List<Ring128Tensor> shares) {
        requireStep("open a tensor");
        return exchangeAll(shares, new Tag(Tag.Kind.OPEN, step, position++));
    }

    private List<Ring128Tensor> exchangeAll(List<Ring128Tensor> shares, Tag tag) {
        return exchangeAll(shares, null, tag);
    }

    /**
     * One round that opens {@code shares}: each party sends its shares, concatenated (of a tensor
     * under a narrow mask of {@code masks}, only the low bits, packed; {@code masks} null where
     * none is), and adds the peer's to its own.
     */
    private List<Ring128Tensor> exchangeAll(List<Ring128Tensor> shares, List<Mask> masks, Tag tag) {
        if (shares.isEmpty()) {
            return List.of();
        }
        List<Ring128Tensor> sent = new ArrayList<>(shares.size());
        for (int i = 0; i < shares.size(); i++) {
            sent.add(narrow(masks, i) ? NarrowOpening.pack(shares.get(i), masks.get(i).openingBits()) : shares.get(i));
        }
        Ring128Tensor mine = sent.size() == 1 ? sent.get(0) : Ring128Tensor.concat(sent);
        if (transcript != null) {
            mine = Ring128Tensor.concat(List.of(mine, transcript.digestElement()));
        }
        Ring128Tensor theirs = exchange(tag, mine);
        if (!theirs.shape().equals(mine.shape())) {
            throw new ProtocolException(role + " opened " + describe(shares) + " but " + role.peer()
                    + " sent shape " + theirs.shape() + " for " + tag);
        }
        if (transcript != null) {
            checkDigest(theirs.slice(theirs.size() - 1, Shape.of(1)), tag, true);
        }
        List<Ring128Tensor> out = new ArrayList<>(shares.size());
        int at = 0;
        for (int i = 0; i < shares.size(); i++) {
            Ring128Tensor s = shares.get(i);
            Ring128Tensor part = shares.size() == 1 && transcript == null ? theirs : theirs.slice(at, Shape.of(sent.get(i).size()));
            out.add(narrow(masks, i) ? NarrowOpening.open(masks.get(i), s, part) : s.add(part.reshape(s.shape())));
            at += sent.get(i).size();
        }
        return out;
    }

    private static boolean narrow(List<Mask> masks, int i) {
        return masks != null && masks.get(i).narrow();
    }

    private static String describe(List<Ring128Tensor> shares) {
        StringBuilder b = new StringBuilder(shares.size() == 1 ? "a tensor of shape " : "tensors of shapes ");
        for (int i = 0; i < shares.size(); i++) {
            b.append(i == 0 ? "" : ", ").append(shares.get(i).shape());
        }
        return b.toString();
    }

    /**
     * Opens {@code X - A} for the plan's mask {@code mask}; the result serves every later product
     * of X in this step. A mask serves one tensor per step: masking a second one with it would
     * reveal their difference to the other party, so that is refused. One round, 16 bytes an
     * element each way, or 12 under a narrow mask of the training plans' range (see
     * {@link NarrowOpening}, which also says when an opening is refused as out of range).
     */
    public MaskedTensor mask(Ring128Tensor share, Mask mask) {
        return maskAll(List.of(share), List.of(mask)).get(0);
    }

    /**
     * {@code x} under {@code mask}: {@code x} itself when it was masked with that mask (the
     * optimized mode's reuse), else a fresh opening of {@code x}'s share (baseline mode). The
     * one idiom for a mask that a mode may or may not reuse (see the plan builder's
     * {@code maskAgain}).
     */
    public MaskedTensor mask(MaskedTensor x, Mask mask) {
        return x.mask().equals(mask) ? x : mask(x.share(), mask);
    }

    /**
     * The tensor derived by {@code mask}'s map (see {@link Derivation}) from {@code parents},
     * opened with {@code mask} without sending anything: its share, its mask's share and its
     * opening are the same map of the parents'. A later {@link #mask} of the same tensor with
     * {@code mask} in this step returns it; a different tensor is refused.
     */
    public MaskedTensor derive(Mask mask, List<MaskedTensor> parents) {
        requireStep("derive a masked tensor");
        if (!mask.derived()) {
            throw new IllegalArgumentException("mask entry " + mask.id() + " is fresh, not derived: open a tensor with it (mask)");
        }
        List<Mask> expected = mask.derivation().parents();
        if (parents.size() != expected.size()) {
            throw new IllegalArgumentException("mask entry " + mask.id() + " is derived from " + expected.size()
                    + " masks but was given " + parents.size() + " tensors");
        }
        for (int i = 0; i < parents.size(); i++) {
            if (!parents.get(i).mask().equals(expected.get(i))) {
                throw new IllegalArgumentException("mask entry " + mask.id() + " is derived from mask entry "
                        + expected.get(i).id() + " but was given a tensor masked with entry " + parents.get(i).mask().id());
            }
        }
        if (!maskedThisStep.add(key(mask))) {
            throw new IllegalStateException("mask entry " + mask.id() + " was already used in step " + step);
        }
        Derivation d = mask.derivation();
        MaskedTensor out = new MaskedTensor(d.apply(mask.shape(), parents.stream().map(MaskedTensor::share).toList()),
                d.apply(mask.shape(), parents.stream().map(MaskedTensor::maskShare).toList()),
                d.apply(mask.shape(), parents.stream().map(MaskedTensor::opened).toList()), mask);
        derivedThisStep.put(key(mask), out);
        return out;
    }

    /** The tensor derived with {@code mask} in this step, if {@code share} is its share; else refused. */
    private MaskedTensor derivedAs(Ring128Tensor share, Mask mask) {
        MaskedTensor d = derivedThisStep.get(key(mask));
        if (d == null) {
            throw new IllegalStateException("mask entry " + mask.id() + " is derived (" + mask.derivation().describe()
                    + "): derive the tensor with it before it is used in step " + step);
        }
        if (!d.share().equals(share)) {
            throw new IllegalArgumentException("mask entry " + mask.id() + " serves only the tensor derived with it in step "
                    + step + ", not another one: masking a second tensor with it would reveal their difference");
        }
        return d;
    }

    /** Masks several tensors in one round: {@code shares.get(i)} with {@code masks.get(i)}. */
    public List<MaskedTensor> maskAll(List<Ring128Tensor> shares, List<Mask> masks) {
        requireStep("mask a tensor");
        if (shares.size() != masks.size()) {
            throw new IllegalArgumentException(shares.size() + " tensors to mask but " + masks.size() + " masks");
        }
        if (masks.isEmpty()) {
            return List.of();
        }
        if (masks.stream().anyMatch(Mask::derived)) { // those are open already; the rest in one round
            List<Ring128Tensor> freshShares = new ArrayList<>();
            List<Mask> fresh = new ArrayList<>();
            for (int i = 0; i < masks.size(); i++) {
                if (!masks.get(i).derived()) {
                    freshShares.add(shares.get(i));
                    fresh.add(masks.get(i));
                }
            }
            java.util.Iterator<MaskedTensor> opened = maskAll(freshShares, fresh).iterator();
            List<MaskedTensor> out = new ArrayList<>(masks.size());
            for (int i = 0; i < masks.size(); i++) {
                out.add(masks.get(i).derived() ? derivedAs(shares.get(i), masks.get(i)) : opened.next());
            }
            return out;
        }
        Set<Long> now = new HashSet<>();
        for (int i = 0; i < masks.size(); i++) {
            Mask m = masks.get(i);
            Ring128Tensor share = shares.get(i);
            if (!m.shape().equals(share.shape())) {
                throw new IllegalArgumentException("mask entry " + m.id() + " has shape " + m.shape()
                        + " but the tensor to mask has shape " + share.shape());
            }
            if (maskedThisStep.contains(key(m)) || !now.add(key(m))) {
                throw new IllegalStateException("mask entry " + m.id() + " (" + m.shape() + ") was already used in step "
                        + step + ": masking a second tensor with it would reveal their difference to " + role.peer()
                        + "; declare a mask per tensor, or reuse the first MaskedTensor");
            }
            microBatchStep.requireSameShared(microBatch(), m, share);
        }
        maskedThisStep.addAll(now);
        MicroBatch mb = microBatch();
        List<Ring128Tensor> maskShares = new ArrayList<>(masks.size());
        List<Ring128Tensor> differences = new ArrayList<>(masks.size());
        List<Mask> sent = new ArrayList<>(masks.size());
        for (int i = 0; i < masks.size(); i++) {
            Ring128Tensor maskShare = share(masks.get(i));
            maskShares.add(maskShare);
            if (microBatchStep.sendShared(mb, masks.get(i))) {
                differences.add(shares.get(i).sub(maskShare));
                sent.add(masks.get(i));
            }
        }
        List<Ring128Tensor> opened = sent.isEmpty() ? List.of()
                : exchangeAll(differences, sent, new Tag(Tag.Kind.MASK, step, sent.get(0).id()));
        java.util.Iterator<Ring128Tensor> next = opened.iterator();
        List<MaskedTensor> out = new ArrayList<>(masks.size());
        for (int i = 0; i < masks.size(); i++) {
            Mask m = masks.get(i);
            Ring128Tensor o = sent.contains(m) ? microBatchStep.keepShared(mb, m, next.next()) : openedShared(mb, m);
            out.add(new MaskedTensor(shares.get(i), maskShares.get(i), o, m));
        }
        return out;
    }

    /**
     * The opening of the weights masked with the shared {@code mask}, which an earlier
     * micro-batch sent in this step: its lane takes its answer at its next turn, so this lane
     * passes its turn until then (both parties pass alike, so their messages keep their order).
     */
    private Ring128Tensor openedShared(MicroBatch mb, Mask mask) {
        Ring128Tensor o = microBatchStep.openedShared(mask);
        for (int turns = 0; o == null && turns < mb.count(); turns++) {
            lanes.pass();
            o = microBatchStep.openedShared(mask);
        }
        if (o == null) {
            throw new IllegalStateException("micro-batch " + mb.index() + " found no opening of the weights masked with "
                    + "mask entry " + mask.id() + ", which an earlier micro-batch sent in step " + step);
        }
        return o;
    }

    /**
     * Share of {@code op(X, Y)} for the plan's product {@code product}, truncated by its
     * truncation bits; {@code x} and {@code y} must be masked with the product's operand masks.
     */
    public Ring128Tensor multiply(Product product, MaskedTensor x, MaskedTensor y) {
        requireStep("multiply");
        requireOperand(product, "left", product.left(), x);
        requireOperand(product, "right", product.right(), y);
        MicroBatch mb = microBatch();
        if (mb != null && mb.part(product) == MicroBatch.Part.SUMMED) {
            Ring128Tensor part = BeaverProduct.combine(role, product.op(), x, y, Ring128Tensor.zeros(product.shape()));
            Ring128Tensor sum = microBatchStep.add(mb, product, part);
            if (sum == null) {
                return Ring128Tensor.zeros(product.shape());
            }
            return truncated(product, sum.add(randomness().share(mb.whole(product))));
        }
        return truncated(product, BeaverProduct.combine(role, product.op(), x, y, share(product)));
    }

    private Ring128Tensor truncated(Product product, Ring128Tensor z) {
        return product.truncation() == 0 ? z : truncate(z, product.truncation());
    }

    private static void requireOperand(Product product, String side, Operand expected, MaskedTensor given) {
        if (expected.power() != 1) {
            throw new IllegalArgumentException("product entry " + product.id() + " (" + product.op().name() + ") takes "
                    + expected + " as its " + side + " operand, a power of a mask: use timesPowers");
        }
        if (!given.mask().equals(expected.mask())) {
            throw new IllegalArgumentException("product entry " + product.id() + " (" + product.op().name() + ") takes mask entry "
                    + expected.mask().id() + " as its " + side + " operand but was given a tensor masked with entry "
                    + given.mask().id());
        }
    }

    /**
     * Shares of {@code [x >= 0]} (0 or 1 in the ring, not fixed point) and of
     * {@code relu(x) = x [x >= 0]} (x's scale) for the plan's comparison {@code sign} of x's
     * mask, from x's one opening (see {@link SecureComparison}). Each comparison entry serves
     * once per step.
     */
    public SecureComparison.Result compare(PlanEntry.Sign sign, MaskedTensor x) {
        requireStep("compare");
        if (!x.mask().equals(sign.mask())) {
            throw new IllegalArgumentException("comparison entry " + sign.id() + " compares the tensor masked with entry "
                    + sign.mask().id() + " but was given one masked with entry " + x.mask().id());
        }
        if (comparedThisStep.containsKey(key(sign))) {
            throw new IllegalStateException("comparison entry " + sign.id() + " was already used in step " + step
                    + ": its triples serve once");
        }
        comparedThisStep.put(key(sign), null); // used, even if the exchange below fails
        Ring128Tensor material = share(sign);
        int determined = sign.correctionShape().size();
        SecureComparison.Outcome o = SecureComparison.run(role, x.opened(), x.share(), sign.bits(), sign.relu(),
                material.slice(0, sign.correctionShape()), material.slice(determined, sign.randomShape()), this::openBits);
        comparedThisStep.put(key(sign), o.kept());
        return o.result();
    }

    /**
     * Share of {@code g [x >= 0]} for the plan's {@code product} of a comparison made earlier in
     * this step and g masked with the product's other mask: local, from g's one opening and the
     * dealer's {@code M * beta} (no opening of the comparison bit).
     */
    public Ring128Tensor multiplyBySign(PlanEntry.SignProduct product, MaskedTensor g) {
        requireStep("multiply by a comparison bit");
        if (!g.mask().equals(product.other())) {
            throw new IllegalArgumentException("sign product entry " + product.id() + " takes mask entry "
                    + product.other().id() + " but was given a tensor masked with entry " + g.mask().id());
        }
        SecureComparison.Kept kept = comparedThisStep.get(key(product.sign()));
        if (kept == null) {
            throw new IllegalStateException("sign product entry " + product.id() + " needs comparison entry "
                    + product.sign().id() + " made earlier in step " + step);
        }
        return SecureComparison.timesBit(kept.d(), kept.beta(), g.opened(), g.share(), share(product));
    }

    /**
     * Shares of the products of comparison bits the plan's {@code monomials} names, for a
     * comparison made earlier in this step: local, from the comparison's opened bits and the
     * dealer's products of its random bits (see {@link PlanEntry.SignMonomials}).
     *
     * <pre>{@code
     * SecureComparison.Result r = party.compare(sign, party.mask(x, mask));
     * Ring128Tensor bothNonNegative = party.signMonomials(firstAndSecond);   // [x_0 >= 0] [x_1 >= 0], no round
     * }</pre>
     */
    public Ring128Tensor signMonomials(PlanEntry.SignMonomials monomials) {
        requireStep("multiply comparison bits");
        SecureComparison.Kept kept = comparedThisStep.get(key(monomials.sign()));
        if (kept == null) {
            throw new IllegalStateException("sign monomials entry " + monomials.id() + " needs comparison entry "
                    + monomials.sign().id() + " made earlier in step " + step);
        }
        return SecureComparison.monomials(role, kept.d(), kept.beta(), monomials.factors(), share(monomials));
    }

    private long[] openBits(long[] mine) {
        Ring128Tensor theirs = exchange(new Tag(Tag.Kind.OPEN, step, position++), SecureComparison.pack(mine));
        long[] other = SecureComparison.bitWords(theirs, 0, mine.length);
        long[] out = new long[mine.length];
        for (int i = 0; i < mine.length; i++) {
            out[i] = mine[i] ^ other[i];
        }
        return out;
    }

    /**
     * Runs {@code work}, one program per micro-batch of this step, as lanes that take turns at
     * every message to or from the peer (see {@link Lanes}): while one lane's message travels,
     * the next computes, so a round trip carries each lane's message of that round. Returns the
     * lanes' results in order; they are those of running the programs one after another, as
     * long as the peer runs the same programs in the same order. Rounds are counted for lane 0
     * alone, the others' riding with its. The lanes must not run lanes of their own.
     *
     * <pre>{@code
     * List<Ring128Tensor> logits = party.inLanes(List.of(() -> model0.step(party, x0), () -> model1.step(party, x1)));
     * }</pre>
     */
    public <T> List<T> inLanes(List<java.util.function.Supplier<T>> work) {
        return inLanes(work, null);
    }

    /**
     * As {@link #inLanes(List)}, the lanes being the micro-batches of one batch: lane k runs
     * {@code split.get(k)}'s program on its rows (see {@link MicroBatch}), using the whole
     * batch's correlated randomness, so that together they compute the whole batch's step bit
     * for bit. A product summed over the batch (a weight gradient) is returned whole to the last
     * micro-batch that multiplies it and as zeros to the others, so the micro-batches' results
     * add up to the whole batch's.
     *
     * <pre>{@code
     * List<Ring128Tensor> gradients = party.inLanes(List.of(() -> lane0.step(party, x0), () -> lane1.step(party, x1)),
     *         List.of(MicroBatch.of(whole, mine, 0, 2), MicroBatch.of(whole, mine, 1, 2)));
     * }</pre>
     */
    public <T> List<T> inLanes(List<java.util.function.Supplier<T>> work, List<MicroBatch> split) {
        requireStep("run micro-batches");
        for (int k = 0; split != null && k < Math.max(split.size(), work.size()); k++) {
            if (k >= split.size() || k >= work.size() || split.get(k).index() != k || split.get(k).count() != work.size()) {
                throw new IllegalArgumentException(work.size() + " lanes cannot run the " + split.size()
                        + " micro-batches given: lane k must run micro-batch k of as many as there are lanes");
            }
        }
        if (lanes != null) {
            throw new IllegalStateException("lanes cannot run lanes of their own");
        }
        if (work.size() == 1) {
            return List.of(work.get(0).get());
        }
        while (laneThreads.size() < work.size() - 1) {
            String name = Thread.currentThread().getName() + "-lane-" + (laneThreads.size() + 1);
            java.util.concurrent.ThreadPoolExecutor thread = new java.util.concurrent.ThreadPoolExecutor(1, 1, 60,
                    java.util.concurrent.TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, name);
                        t.setDaemon(true); // idle between steps; never keeps the process alive
                        return t;
                    });
            thread.allowCoreThreadTimeOut(true); // a party that stops using lanes (a prediction session's) leaves no thread
            laneThreads.add(thread);
        }
        return Lanes.run(work, List.copyOf(laneThreads), l -> {
            this.split = l == null ? null : split;
            this.lanes = l;
        });
    }

    /** The micro-batch the calling lane runs, or null outside micro-batches of one batch. */
    private MicroBatch microBatch() {
        Lanes l = lanes;
        List<MicroBatch> s = split;
        return l == null || s == null ? null : s.get(l.index());
    }

    /**
     * The key of {@code entry}'s use in this step: its position, and in micro-batches of one
     * batch also the micro-batch (each uses its own rows of the whole batch's entry).
     */
    private long key(PlanEntry entry) {
        MicroBatch mb = microBatch();
        return mb == null ? entry.id() : ((long) mb.index() << 32) | entry.id();
    }

    /** This party's share of {@code entry}: in a micro-batch of one batch, its part of the whole batch's. */
    private Ring128Tensor share(PlanEntry entry) {
        MicroBatch mb = microBatch();
        return mb == null ? randomness().share(entry) : microBatchStep.share(mb, entry, randomness());
    }

    /** One round with the peer: in lanes, the next lane runs between sending and receiving. */
    private Ring128Tensor exchange(Tag tag, Ring128Tensor mine) {
        Lanes l = lanes;
        if (l == null) {
            return transport.exchange(role.peer(), tag, mine);
        }
        transport.send(role.peer(), tag, mine);
        l.pass();
        Ring128Tensor theirs = transport.receive(role.peer(), tag);
        if (l.firstLane()) {
            transport.traffic().recordRound();
        }
        return theirs;
    }

    /** In lanes, lets the others take their turns (at a one-way message, on both sides); else nothing. */
    private void passTurn() {
        Lanes l = lanes;
        if (l != null) {
            l.pass();
        }
    }

    /** Local truncation by {@code bits} (see {@link Truncation}). */
    public Ring128Tensor truncate(Ring128Tensor share, int bits) {
        return Truncation.truncate(role, share, bits);
    }

    /** This party's share of {@code share + value} for a public {@code value}: P0 adds it, P1 does not. */
    public Ring128Tensor addPublic(Ring128Tensor share, Ring128Tensor value) {
        return addPublic(role, share, value);
    }

    /** As {@link #addPublic(Ring128Tensor, Ring128Tensor)} with every element of the public value {@code value}. */
    public Ring128Tensor addPublic(Ring128Tensor share, long value) {
        return addPublic(role, share, Ring128Tensor.filled(share.shape(), value));
    }

    /**
     * {@code x + value} for a public {@code value}, masked with x's mask: its opening is x's
     * shifted by {@code value}, so it serves a comparison of {@code x + value} without opening
     * anything again (e.g. {@code x >= t} as the sign of {@code x - t}).
     */
    public MaskedTensor addPublic(MaskedTensor x, long value) {
        return addPublic(x, Ring128Tensor.filled(x.shape(), value));
    }

    /**
     * As {@link #addPublic(MaskedTensor, long)}, each element shifted by its own public value
     * ({@code value} has x's shape): e.g. the two halves of a tensor derived as x twice, shifted
     * by {@code -t} and {@code +t}, compare x against both ends of a range in one comparison.
     */
    public MaskedTensor addPublic(MaskedTensor x, Ring128Tensor value) {
        return new MaskedTensor(addPublic(x.share(), value), x.maskShare(), x.opened().add(value), x.mask());
    }

    /** {@code role}'s share of the public {@code value} (P0 holds it, P1 zero), e.g. a public initial weight. */
    public static Ring128Tensor shareOfPublic(Role role, Ring128Tensor value) {
        return addPublic(role, Ring128Tensor.zeros(value.shape()), value);
    }

    /** The one place that knows which party adds a public value to a sharing: P0. */
    static Ring128Tensor addPublic(Role role, Ring128Tensor share, Ring128Tensor value) {
        return role.partyIndex() == 0 ? share.add(value) : share;
    }

    /**
     * Shares of {@code x^1 .. x^d}, each at scale 2^fractionalBits (truncated), from x's one
     * opening and the plan's powers {@code A^2 .. A^d} of x's mask, in order; {@code result[k]}
     * is x^k ({@code result[0]} unused). x is at scale 2^fractionalBits too.
     */
    public Ring128Tensor[] powers(MaskedTensor x, int fractionalBits, Power... powers) {
        requireStep("compute powers");
        Ring128Tensor[] maskPowers = new Ring128Tensor[powers.length + 2];
        for (int j = 0; j < powers.length; j++) {
            maskPowers[j + 2] = maskPower(x, powers[j], j + 2);
        }
        Ring128Tensor[] raw = Powers.compute(role, x, maskPowers);
        for (int k = 2; k < raw.length; k++) {
            raw[k] = truncate(raw[k], (k - 1) * fractionalBits);
        }
        return raw;
    }

    private Ring128Tensor maskPower(MaskedTensor x, Power power, int exponent) {
        if (!power.mask().equals(x.mask()) || power.exponent() != exponent) {
            throw new IllegalArgumentException("power entry " + power.id() + " is A^" + power.exponent() + " of mask entry "
                    + power.mask().id() + " but A^" + exponent + " of mask entry " + x.mask().id() + " is needed");
        }
        return x.maskPower(power.id(), id -> share(power));
    }

    /**
     * Shares of {@code delta * x^m}, m = 0..d (untruncated, scale 2^((m+1)f)), from the one
     * opening of each (see {@link Powers#timesPowers}); {@code powers} are the plan's
     * {@code A^2 .. A^d} of x's mask, {@code deltaProducts} its {@code D * A^1 .. D * A^d}.
     */
    public Ring128Tensor[] timesPowers(MaskedTensor delta, MaskedTensor x, Power[] powers, Product[] deltaProducts) {
        requireStep("multiply by powers");
        Ring128Tensor[] maskPowers = new Ring128Tensor[deltaProducts.length + 1];
        for (int j = 0; j < powers.length && j + 2 < maskPowers.length; j++) {
            maskPowers[j + 2] = maskPower(x, powers[j], j + 2);
        }
        Ring128Tensor[] products = new Ring128Tensor[deltaProducts.length + 1];
        for (int j = 0; j < deltaProducts.length; j++) {
            Product p = deltaProducts[j];
            if (!p.left().equals(Operand.of(delta.mask())) || !p.right().equals(new Operand(x.mask(), j + 1))) {
                throw new IllegalArgumentException("product entry " + p.id() + " is " + p.left() + " * " + p.right()
                        + " but m" + delta.mask().id() + " * " + new Operand(x.mask(), j + 1) + " is needed");
            }
            products[j + 1] = share(p);
        }
        return Powers.timesPowers(role, delta, x, maskPowers, products);
    }

    /**
     * Share of {@code x^p y^q} (elementwise, untruncated: p times x's scale plus q times y's) from
     * the one opening of each (see {@link Powers#productOfPowers}): no round beyond the one that
     * opened them. {@code xPowers} are the plan's {@code D^2 .. D^p} of x's mask D,
     * {@code yPowers} its {@code A^2 .. A^q} of y's mask A, and {@code products} its elementwise
     * {@code D^i * A^j}, untruncated, for i = 1..p and, within each i, j = 1..q.
     *
     * <pre>{@code
     * // planned: Power d2 = plan.power(d, 2), a2 = plan.power(a, 2); the products D^i A^j in order
     * List<MaskedTensor> xy = party.maskAll(List.of(x, y), List.of(d, a));
     * Ring128Tensor xySquared = party.productOfPowers(xy.get(0), 2, xy.get(1), 2,
     *         new Power[]{d2}, new Power[]{a2}, products);   // (x y)^2 in the round that opened x and y
     * }</pre>
     */
    public Ring128Tensor productOfPowers(MaskedTensor x, int p, MaskedTensor y, int q, Power[] xPowers, Power[] yPowers,
                                         Product[] products) {
        requireStep("multiply powers of two tensors");
        if (!x.shape().equals(y.shape())) {
            throw new IllegalArgumentException("x^p y^q is elementwise but x has shape " + x.shape() + " and y " + y.shape());
        }
        if (xPowers.length != p - 1 || yPowers.length != q - 1 || products.length != p * q) {
            throw new IllegalArgumentException("x^" + p + " y^" + q + " needs " + (p - 1) + " and " + (q - 1)
                    + " powers and " + p * q + " products, not " + xPowers.length + ", " + yPowers.length + " and "
                    + products.length);
        }
        Ring128Tensor[] xMaskPowers = new Ring128Tensor[p + 1];
        for (int i = 2; i <= p; i++) {
            xMaskPowers[i] = maskPower(x, xPowers[i - 2], i);
        }
        Ring128Tensor[] yMaskPowers = new Ring128Tensor[q + 1];
        for (int j = 2; j <= q; j++) {
            yMaskPowers[j] = maskPower(y, yPowers[j - 2], j);
        }
        Ring128Tensor[][] maskProducts = new Ring128Tensor[p + 1][q + 1];
        for (int i = 1; i <= p; i++) {
            for (int j = 1; j <= q; j++) {
                Product product = products[(i - 1) * q + (j - 1)];
                Operand left = new Operand(x.mask(), i);
                Operand right = new Operand(y.mask(), j);
                if (product.op() != BilinearOps.elementwise() || !product.left().equals(left)
                        || !product.right().equals(right) || product.truncation() != 0) {
                    throw new IllegalArgumentException("product entry " + product.id() + " is " + product.op().name() + "("
                            + product.left() + ", " + product.right() + ") truncated by " + product.truncation()
                            + " but the untruncated elementwise " + left + " * " + right + " is needed");
                }
                maskProducts[i][j] = share(product);
            }
        }
        return Powers.productOfPowers(role, x, p, y, q, xMaskPowers, yMaskPowers, maskProducts);
    }

    /**
     * Reveals a shared tensor to {@code owner} only: the other party sends its share and learns
     * nothing. Returns the value at the owner and null at the other party.
     */
    public Ring128Tensor revealTo(Role owner, Ring128Tensor share) {
        requireStep("reveal a tensor");
        Tag tag = new Tag(Tag.Kind.OPEN, step, position++);
        if (!owner.equals(role)) {
            transport.send(owner, tag, transcript == null ? share
                    : Ring128Tensor.concat(List.of(share, transcript.digestElement())));
            passTurn();
            if (transcript != null) {
                transcript.agreed(); // if the owner finds the digests differ, it stops the run
            }
            return null;
        }
        passTurn();
        if (transcript == null) {
            return share.add(receiveShaped(transport, role.peer(), tag, share.shape()));
        }
        Ring128Tensor theirs = receiveShaped(transport, role.peer(), tag, Shape.of(share.size() + 1));
        checkDigest(theirs.slice(share.size(), Shape.of(1)), tag, false);
        return share.add(theirs.slice(0, share.shape()));
    }

    /** Compares the peer's transcript digest with this party's; {@code both}: the peer checks at the same opening. */
    private void checkDigest(Ring128Tensor theirs, Tag tag, boolean both) {
        if (!transcript.matches(theirs)) {
            throw both ? transcript.mismatch(transport, role, tag) : transcript.mismatchOnReveal(role, tag);
        }
        transcript.agreed();
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
        requireStep("share an input");
        Ring128Tensor other = inputPrg.tensor(shape, stream, step);
        if (!owner.equals(role)) {
            return other;
        }
        if (value == null || !value.shape().equals(shape)) {
            throw new IllegalArgumentException("input owner " + role + " must supply a tensor of shape " + shape);
        }
        return value.sub(other);
    }

    /**
     * Admits {@code who}, a {@link Contributor} outside the two parties, as an input owner: P0
     * receives its seed (P0's shares of its inputs are PRG output), P1 has nothing to set up.
     */
    public void acceptContributor(Role who) {
        if (who.isComputeParty() || who.equals(Role.DEALER)) {
            throw new IllegalArgumentException(who + " is not an outside participant");
        }
        contributors.put(who, role.partyIndex() == 0
                ? new AesCtrPrg(transport.receiveBytes(who, new Tag(Tag.Kind.SEED, 0, 0))) : null);
    }

    /** This party's share of input {@code stream} of this step from the {@link #acceptContributor accepted} {@code who}. */
    public Ring128Tensor contributedInput(Role who, Shape shape, int stream) {
        requireStep("take an outside input");
        return contributedInput(who, shape, stream, step);
    }

    /**
     * As {@link #contributedInput(Role, Shape, int)} for the contributor's input {@code stream}
     * of step {@code step}, taken whenever the caller chooses (before the first step, say: a
     * prediction server takes a client's whole request before it plans the batches).
     */
    public Ring128Tensor contributedInput(Role who, Shape shape, int stream, int step) {
        if (!contributors.containsKey(who)) {
            throw new IllegalStateException(who + " was not accepted as a contributor (acceptContributor)");
        }
        if (role.partyIndex() == 0) {
            return contributors.get(who).tensor(shape, stream, step);
        }
        return receiveShaped(transport, who, new Tag(Tag.Kind.INPUT, step, stream), shape);
    }

    /**
     * Sends this party's share of {@code share} to the accepted contributor {@code who} as its
     * result {@code stream} of this step: {@code who} alone learns the value.
     */
    public void revealToContributor(Role who, Ring128Tensor share, int stream) {
        requireStep("reveal to an outside participant");
        if (!contributors.containsKey(who)) {
            throw new IllegalStateException(who + " was not accepted as a contributor (acceptContributor)");
        }
        transport.send(who, new Tag(Tag.Kind.OUTPUT, step, stream), share);
    }

    /** A tensor from {@code from} under {@code tag}, refused naming both shapes unless it has {@code shape}. */
    public static Ring128Tensor receiveShaped(Transport transport, Role from, Tag tag, Shape shape) {
        return checkShape(transport.receive(from, tag), shape, from, tag, transport.self());
    }

    /** {@code t} as received by {@code self} from {@code from}, refused naming both shapes unless it has {@code shape}. */
    public static Ring128Tensor checkShape(Ring128Tensor t, Shape shape, Role from, Tag tag, Role self) {
        if (!t.shape().equals(shape)) {
            throw new ProtocolException(self + " expected a tensor of shape " + shape + " from " + from + " for " + tag
                    + " but got " + t.shape());
        }
        return t;
    }

    private CorrelatedRandomness randomness() {
        requireStep("use correlated randomness");
        return randomness;
    }

    private void requireStep(String what) {
        if (randomness == null) {
            throw new IllegalStateException(role + " cannot " + what + " before a step has begun: call "
                    + "beginStep(step, randomness.forStep(step)) first");
        }
    }
}
