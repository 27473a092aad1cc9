package org.spdz4j.triples;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOp;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.Conv2dOps;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.prg.AesCtrPrg;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.Role;
import org.spdz4j.core.transport.Transport;

/**
 * The small API for embedding the engine: secret inputs, products, reveals, in fixed point
 * with truncation done for you. A {@link SecureProgram} is written against it once; the plan
 * (masks and products for the dealer) is recorded from a first pass of the program, then each
 * compute party runs it on its shares. Every secret tensor is opened at most once, and the
 * tensors of one product are opened in one round.
 *
 * <pre>{@code
 * LocalComputation.Result<double[]> r = Session.runLocal(s -> {
 *     SecretTensor x = s.input(Role.P0, new double[]{1, 2, 3, 4}, Shape.of(2, 2));
 *     SecretTensor y = s.input(Role.P1, new double[]{0.5, 0, 0, 0.5}, Shape.of(2, 2));
 *     return s.reveal(s.add(s.matmul(x, y), s.square(x)));
 * });
 * }</pre>
 *
 * <p>Values are read only at their owner: the other party may pass {@code null}. Fixed point
 * is {@link FixedPoint#DEFAULT} unless given; each product is truncated back to scale 2^f.
 *
 * <h2>Ranges</h2>
 * Additions are exact in the ring. A product (each element of {@code mul}, {@code square},
 * {@code matmul}, {@code conv2d}, {@code scale}) is truncated locally, which is exact to one ulp
 * while the product's magnitude stays below 2^(87-2f) (2^47 at f = 20) and otherwise fails with
 * probability up to 2^(l+1-128) per element for a product of bit length l, silently. So inputs,
 * constants and public factors at or above {@link FixedPoint#productSafeAbs} (2^23 at f = 20)
 * are refused ({@link ArithmeticException}), and {@link #requireRange} checks an intermediate
 * value on shares, revealing one bit.
 *
 * <h2>One program</h2>
 * Both parties must run the same operations in the same order on the same public values. Each
 * opening carries a digest of the operations so far; at the first opening after a difference
 * both parties throw {@link org.spdz4j.core.transport.ProtocolException} naming the first
 * operation that differs on each side (iterate collections in an order both share: never a
 * {@code HashSet} of tensors).
 *
 * <p>Every operation refuses, with {@link IllegalArgumentException} naming the argument, a null
 * tensor, a tensor of another session or of the other party, a shape that does not fit, and an
 * input from or a reveal to anyone but P0 and P1.
 */
public final class Session {
    private final ComputeParty party;   // null while the plan is recorded
    private final Plan.Builder plan;
    private final FixedPoint fp;
    private int inputs;
    private int tensors;

    private Session(ComputeParty party, Plan.Builder plan, FixedPoint fp) {
        this.party = party;
        this.plan = plan;
        this.fp = fp;
    }

    /**
     * The plan of {@code program}: its masks and products in the order it uses them, from a
     * pass without data. The dealer and both parties derive it the same way.
     */
    public static Plan plan(String name, FixedPoint fp, SecureProgram<?> program) {
        Session recording = new Session(null, Plan.builder("session " + name + " f=" + fp.fractionalBits()), fp);
        try {
            program.run(recording);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("program failed while its plan was recorded: " + e.getMessage(), e);
        }
        return recording.plan.build();
    }

    /**
     * Runs {@code program} at one compute party whose plan-hash handshake and input-sharing setup
     * are done (as {@link LocalComputation} and the networked runner do): one step, step 0.
     */
    public static <T> T run(ComputeParty party, PartyRandomness randomness, String name, SecureProgram<T> program)
            throws Exception {
        party.beginStep(0, randomness.forStep(0));
        party.checkTranscript(); // both parties' openings carry the record of the program so far
        Session s = new Session(party, Plan.builder("session " + name + " f=" + party.fixedPoint().fractionalBits()),
                party.fixedPoint());
        return program.run(s);
    }

    /** Runs {@code program} with the dealer and both parties as threads of this JVM, in the default format. */
    public static <T> LocalComputation.Result<T> runLocal(SecureProgram<T> program) {
        return runLocal("local", FixedPoint.DEFAULT, LocalComputation.DEFAULT_TIMEOUT, program);
    }

    /**
     * As {@link #runLocal(SecureProgram)} with a name (part of the plan hash), a fixed-point
     * format and how long a party waits for a message.
     */
    public static <T> LocalComputation.Result<T> runLocal(String name, FixedPoint fp, Duration timeout,
                                                          SecureProgram<T> program) {
        Plan p = plan(name, fp, program);
        return LocalComputation.run(p, 1, AesCtrPrg.freshSeed(), fp, timeout,
                (party, randomness) -> run(party, randomness, name, program));
    }

    /**
     * Runs {@code program} as the compute party of {@code transport} (P0 or P1), in its own
     * process: the {@link Handshake} (plan hash, dealer's plan and range, input sharing), the
     * program, then word to the dealer that it finished. With the networked runner:
     * <pre>{@code
     * double[] y = NetworkRunner.run(Role.P0, topology, tls, timeout,
     *         t -> Session.runParty(t, "example", FixedPoint.DEFAULT, program));
     * }</pre>
     */
    public static <T> T runParty(Transport transport, String name, FixedPoint fp, SecureProgram<T> program)
            throws Exception {
        Plan p = plan(name, fp, program);
        Handshake.Party joined = Handshake.computeParty(transport, p, fp, 0, 1, AesCtrPrg.freshSeed(), Map.of());
        T result = run(joined.party(), joined.randomness(), name, program);
        Handshake.done(transport);
        return result;
    }

    /**
     * Runs the dealer of {@code program} over {@code transport}: records the plan, serves its one
     * step, and returns once both parties said they finished (a party that failed instead is
     * named at once).
     */
    public static void runDealer(Transport transport, String name, FixedPoint fp, SecureProgram<?> program) {
        Dealer dealer = new Dealer(plan(name, fp, program), transport, AesCtrPrg.freshSeed());
        dealer.setup(0, 1);
        dealer.produce(0);
        Handshake.awaitParties(transport);
    }

    /** This party (P0 or P1); null while the plan is recorded. */
    public Role role() {
        return party == null ? null : party.role();
    }

    /** The fixed-point format. */
    public FixedPoint fixedPoint() {
        return fp;
    }

    /**
     * A secret input owned by {@code owner}: {@code values} (row-major, encoded in fixed point)
     * are read only at the owner, and enter as shares without communication.
     *
     * @throws IllegalArgumentException if {@code owner} is not P0 or P1, the shape is null or has
     *                                  a dimension below 1, or the owner gives another number of values
     * @throws ArithmeticException      at the owner, if a value is not finite or not below
     *                                  {@link FixedPoint#productSafeAbs} in magnitude
     */
    public SecretTensor input(Role owner, double[] values, Shape shape) {
        requireComputeParty("input from", owner);
        requireShape(shape);
        int stream = inputs++;
        int id = note("input from " + owner + " of shape " + shape);
        if (party == null) {
            return new SecretTensor(this, id, shape, null);
        }
        Ring128Tensor mine = null;
        if (party.role().equals(owner)) {
            if (values == null || values.length != shape.size()) {
                throw new IllegalArgumentException(owner + " owns input " + stream + " of shape " + shape + " and must supply "
                        + shape.size() + " values, got " + (values == null ? "none" : values.length));
            }
            requireProductSafe("input " + stream + " from " + owner, values);
            mine = fp.encode(shape, values);
        }
        return new SecretTensor(this, id, shape, party.shareInput(owner, mine, shape, stream));
    }

    /**
     * The public {@code values} as a secret tensor (P0 holds them; no communication).
     *
     * @throws IllegalArgumentException if the shape is null or empty, or the number of values differs from its size
     * @throws ArithmeticException      if a value is not below {@link FixedPoint#productSafeAbs} in magnitude
     */
    public SecretTensor constant(double[] values, Shape shape) {
        requireShape(shape);
        Objects.requireNonNull(values, "values");
        if (values.length != shape.size()) {
            throw new IllegalArgumentException("a constant of shape " + shape + " needs " + shape.size() + " values, got " + values.length);
        }
        requireProductSafe("a constant", values);
        int id = note("constant of shape " + shape + " " + digest(values));
        return local(id, shape, () -> ComputeParty.shareOfPublic(party.role(), fp.encode(shape, values)));
    }

    /**
     * {@code a + b}, local and exact in the ring.
     *
     * @throws IllegalArgumentException if the shapes differ
     */
    public SecretTensor add(SecretTensor a, SecretTensor b) {
        requireSameShape("add", a, b);
        return local(note("add", a, b), a.shape, () -> a.share.add(b.share));
    }

    /**
     * {@code a - b}, local and exact in the ring.
     *
     * @throws IllegalArgumentException if the shapes differ
     */
    public SecretTensor sub(SecretTensor a, SecretTensor b) {
        requireSameShape("subtract", a, b);
        return local(note("sub", a, b), a.shape, () -> a.share.sub(b.share));
    }

    /**
     * {@code a + c} for a public scalar c, local and exact in the ring.
     *
     * @throws ArithmeticException if {@code c} is outside the fixed-point range ({@link FixedPoint#maxAbs})
     */
    public SecretTensor addPublic(SecretTensor a, double c) {
        own(a);
        fp.encode(c);
        return local(note("addPublic " + c, a), a.shape, () -> party.addPublic(a.share, fp.encode(c)));
    }

    /**
     * {@code c * a} for a public scalar c, local (truncated back to scale 2^f): exact to one ulp
     * while {@code |c * a|} stays below 2^(87-2f).
     *
     * @throws ArithmeticException if {@code c} is not below {@link FixedPoint#productSafeAbs} in magnitude
     */
    public SecretTensor scale(SecretTensor a, double c) {
        own(a);
        requireProductSafe("the public factor of scale", new double[]{c});
        return local(note("scale " + c, a), a.shape, () -> party.truncate(a.share.mulScalar(fp.encode(c)), fp.fractionalBits()));
    }

    /** The sum of all elements, shape (1), local and exact in the ring. */
    public SecretTensor sum(SecretTensor a) {
        own(a);
        return local(note("sum", a), Shape.of(1), () -> a.share.reshape(Shape.of(1, a.shape.size())).rowSums());
    }

    /**
     * Elementwise product; {@code mul(x, x)} is {@link #square}. Exact to one ulp while each
     * product stays below 2^(87-2f) in magnitude (see the class's ranges).
     *
     * @throws IllegalArgumentException if the shapes differ
     */
    public SecretTensor mul(SecretTensor a, SecretTensor b) {
        own(a);
        own(b);
        return a == b ? square(a) : product(BilinearOps.elementwise(), a, b);
    }

    /**
     * Elementwise square from the one opening of {@code a} and the dealer's {@code A^2}: exact to
     * one ulp while each square stays below 2^(87-2f), i.e. {@code |a| < }{@link FixedPoint#productSafeAbs}.
     */
    public SecretTensor square(SecretTensor a) {
        own(a);
        int id = note("square", a);
        open(a);
        if (a.square == null) {
            a.square = plan.power(a.mask, 2);
        }
        PlanEntry.Power power = a.square;
        return local(id, a.shape, () -> party.powers(a.masked, fp.fractionalBits(), power)[2]);
    }

    /**
     * Matrix product {@code a b} of rank-2 tensors: exact to one ulp while each output element
     * (a sum of products, truncated once) stays below 2^(87-2f) in magnitude.
     *
     * @throws IllegalArgumentException if the shapes do not fit
     */
    public SecretTensor matmul(SecretTensor a, SecretTensor b) {
        return matmul(a, b, false, false);
    }

    /** {@code op(a) op(b)}, {@code op} transposing where the flag is set; as {@link #matmul(SecretTensor, SecretTensor)}. */
    public SecretTensor matmul(SecretTensor a, SecretTensor b, boolean transposeA, boolean transposeB) {
        return product(BilinearOps.matmul(transposeA, transposeB), a, b);
    }

    /**
     * 2-d convolution of {@code input} (N, C, H, W) with {@code weights} (Cout, C, k, k), square
     * kernel, no bias: output (N, Cout, OH, OW); exact to one ulp while each output element stays
     * below 2^(87-2f) in magnitude.
     *
     * @throws IllegalArgumentException if the weights are not rank 4 or the shapes do not fit
     */
    public SecretTensor conv2d(SecretTensor input, SecretTensor weights, int stride, int padding) {
        own(input);
        own(weights);
        if (weights.shape.rank() != 4) {
            throw new IllegalArgumentException("conv2d weights must be (Cout, C, k, k), got " + weights.shape);
        }
        return product(Conv2dOps.forward(weights.shape.dim(2), stride, padding, 1), weights, input);
    }

    /**
     * Reveals {@code a} to both parties. While the plan is recorded: zeros.
     *
     * @throws org.spdz4j.core.transport.ProtocolException if the parties' programs differ so far,
     *                                                     or the peer's message is missing or malformed
     */
    public double[] reveal(SecretTensor a) {
        own(a);
        note("reveal", a);
        return party == null ? new double[a.shape.size()] : fp.decode(party.open(a.share));
    }

    /**
     * Reveals {@code a} to {@code owner} only: its values there, null at the other party (and while recording).
     *
     * @throws IllegalArgumentException if {@code owner} is not P0 or P1 (the dealer would rebuild the secret)
     * @throws org.spdz4j.core.transport.ProtocolException at the owner, if the parties' programs differ so far
     */
    public double[] revealTo(Role owner, SecretTensor a) {
        requireComputeParty("reveal to", owner);
        own(a);
        note("reveal to " + owner, a);
        if (party == null) {
            return null;
        }
        Ring128Tensor v = party.revealTo(owner, a.share);
        return v == null ? null : fp.decode(v);
    }

    /**
     * Checks on shares that every element of {@code a} lies in {@code [-bound, bound)}: both
     * parties learn one bit, nothing else. Two 127-bit comparisons from {@code a}'s one opening
     * (so any value below 2^126 in the ring is seen, a failed truncation's error of about
     * 2^(128-f) included), the count of elements outside masked and compared with 1, and that bit
     * opened. About 2 x 127 comparison bits per element and a few rounds.
     *
     * <pre>{@code
     * SecretTensor y = s.square(x);
     * s.requireRange(y, 1e6);   // throws at both parties if some |y| >= 1e6
     * }</pre>
     *
     * @throws IllegalArgumentException if {@code bound} is not positive or outside the fixed-point range
     * @throws ArithmeticException      at both parties, if an element lies outside
     */
    public void requireRange(SecretTensor a, double bound) {
        own(a);
        if (!(bound > 0) || bound >= fp.maxAbs()) {
            throw new IllegalArgumentException("requireRange bound must be in (0, " + fp.maxAbs() + "), got " + bound);
        }
        note("requireRange " + bound, a);
        open(a);
        PlanEntry.Sign above = plan.signOnly(a.mask, 127);
        PlanEntry.Sign notBelow = plan.signOnly(a.mask, 127);
        PlanEntry.Mask countMask = plan.mask(Shape.of(1));
        PlanEntry.Sign someOutside = plan.signOnly(countMask, 40);
        if (party == null) {
            return;
        }
        long limit = fp.encode(bound);
        int n = a.shape.size();
        Ring128Tensor over = party.compare(above, party.addPublic(a.masked, -limit)).nonNegative();
        Ring128Tensor notUnder = party.compare(notBelow, party.addPublic(a.masked, limit)).nonNegative();
        Ring128Tensor outside = party.addPublic(over.sub(notUnder).reshape(Shape.of(1, n)).rowSums(), n);
        MaskedTensor count = party.mask(outside, countMask);
        Ring128Tensor bit = party.open(party.compare(someOutside, party.addPublic(count, -1)).nonNegative());
        if (bit.lo(0) != 0) {
            throw new ArithmeticException("an element of " + a + " lies outside [-" + bound + ", " + bound
                    + "): a value beyond the fixed-point range, or a product that grew past 2^(87-2f) before truncation");
        }
    }

    private SecretTensor product(BilinearOp op, SecretTensor a, SecretTensor b) {
        own(a);
        own(b);
        int id = note(op.name(), a, b);
        open(a, b);
        PlanEntry.Product p = plan.product(op, a.mask, b.mask, fp.fractionalBits());
        return local(id, p.shape(), () -> party.multiply(p, a.masked, b.masked));
    }

    /** Masks and opens, in one round, those of {@code ts} not opened yet. */
    private void open(SecretTensor... ts) {
        List<SecretTensor> fresh = new ArrayList<>();
        for (SecretTensor t : ts) {
            if (t.mask == null && !fresh.contains(t)) {
                t.mask = plan.mask(t.shape);
                fresh.add(t);
            }
        }
        if (party == null || fresh.isEmpty()) {
            return;
        }
        List<Ring128Tensor> shares = new ArrayList<>();
        List<PlanEntry.Mask> masks = new ArrayList<>();
        for (SecretTensor t : fresh) {
            shares.add(t.share);
            masks.add(t.mask);
        }
        List<MaskedTensor> masked = party.maskAll(shares, masks);
        for (int i = 0; i < fresh.size(); i++) {
            fresh.get(i).masked = masked.get(i);
        }
    }

    private interface ShareOp {
        Ring128Tensor compute();
    }

    private SecretTensor local(int id, Shape shape, ShareOp op) {
        return new SecretTensor(this, id, shape, party == null ? null : op.compute());
    }

    /**
     * Numbers the next tensor and records {@code operation} on {@code operands} in the party's
     * transcript ({@code #4 = mul(#1, #3)}): what both parties compare at each opening.
     */
    private int note(String operation, SecretTensor... operands) {
        int id = tensors++;
        if (party != null) {
            StringBuilder b = new StringBuilder("#").append(id).append(" = ").append(operation);
            for (int i = 0; i < operands.length; i++) {
                b.append(i == 0 ? "(" : ", ").append('#').append(operands[i].id);
            }
            party.note(operands.length == 0 ? b.toString() : b.append(')').toString());
        }
        return id;
    }

    /** A public constant's values in the transcript: their SHA-256's first 8 bytes (hex). */
    private static String digest(double[] values) {
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(8 * values.length);
        for (double v : values) {
            b.putDouble(v);
        }
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(b.array());
            return "sha256:" + java.util.HexFormat.of().formatHex(d, 0, 8);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is in every JDK", e);
        }
    }

    /**
     * Refuses a tensor of another session or of the other party (each party's session is its
     * own object, so a tensor shared between the threads of {@link #runLocal} is caught too).
     */
    private void own(SecretTensor t) {
        Objects.requireNonNull(t, "a secret tensor argument");
        if (t.session != this) {
            throw new IllegalArgumentException(t + " belongs to another session or another party");
        }
    }

    /** Only P0 and P1 hold shares: an input from, or a reveal to, anyone else is refused (the dealer would rebuild the secret). */
    private static void requireComputeParty(String what, Role role) {
        Objects.requireNonNull(role, "role");
        if (!role.isComputeParty()) {
            throw new IllegalArgumentException("cannot " + what + " " + role + ": only the compute parties P0 and P1 may");
        }
    }

    /** Refuses a value whose product with another such value could truncate wrongly (see the class's ranges). */
    private void requireProductSafe(String what, double[] values) {
        double limit = fp.productSafeAbs();
        for (int i = 0; i < values.length; i++) {
            if (!(Math.abs(values[i]) < limit)) {
                throw new ArithmeticException(what + ": element " + i + " is " + values[i] + ", not below " + limit
                        + " = FixedPoint.productSafeAbs() at f=" + fp.fractionalBits() + " in magnitude: a product of it "
                        + "could truncate wrongly (use fewer fractional bits for larger values)");
            }
        }
    }

    private static void requireShape(Shape shape) {
        Objects.requireNonNull(shape, "shape");
        for (int d = 0; d < shape.rank(); d++) {
            if (shape.dim(d) <= 0) {
                throw new IllegalArgumentException("shape " + shape + " has a dimension that is not positive");
            }
        }
    }

    private void requireSameShape(String what, SecretTensor a, SecretTensor b) {
        own(a);
        own(b);
        if (!a.shape.equals(b.shape)) {
            throw new IllegalArgumentException("cannot " + what + " " + a + " and " + b + ": shapes differ");
        }
    }
}
