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
            mine = fp.encode(shape, values);
        }
        return new SecretTensor(this, id, shape, party.shareInput(owner, mine, shape, stream));
    }

    /** The public {@code values} as a secret tensor (P0 holds them; no communication). */
    public SecretTensor constant(double[] values, Shape shape) {
        requireShape(shape);
        Objects.requireNonNull(values, "values");
        if (values.length != shape.size()) {
            throw new IllegalArgumentException("a constant of shape " + shape + " needs " + shape.size() + " values, got " + values.length);
        }
        int id = note("constant of shape " + shape + " " + digest(values));
        return local(id, shape, () -> ComputeParty.shareOfPublic(party.role(), fp.encode(shape, values)));
    }

    /** {@code a + b}, local. */
    public SecretTensor add(SecretTensor a, SecretTensor b) {
        requireSameShape("add", a, b);
        return local(note("add", a, b), a.shape, () -> a.share.add(b.share));
    }

    /** {@code a - b}, local. */
    public SecretTensor sub(SecretTensor a, SecretTensor b) {
        requireSameShape("subtract", a, b);
        return local(note("sub", a, b), a.shape, () -> a.share.sub(b.share));
    }

    /** {@code a + c} for a public scalar c, local. */
    public SecretTensor addPublic(SecretTensor a, double c) {
        own(a);
        return local(note("addPublic " + c, a), a.shape, () -> party.addPublic(a.share, fp.encode(c)));
    }

    /** {@code c * a} for a public scalar c, local (truncated back to scale 2^f). */
    public SecretTensor scale(SecretTensor a, double c) {
        own(a);
        return local(note("scale " + c, a), a.shape, () -> party.truncate(a.share.mulScalar(fp.encode(c)), fp.fractionalBits()));
    }

    /** The sum of all elements, shape (1), local. */
    public SecretTensor sum(SecretTensor a) {
        own(a);
        return local(note("sum", a), Shape.of(1), () -> a.share.reshape(Shape.of(1, a.shape.size())).rowSums());
    }

    /** Elementwise product; {@code mul(x, x)} is {@link #square}. */
    public SecretTensor mul(SecretTensor a, SecretTensor b) {
        own(a);
        own(b);
        return a == b ? square(a) : product(BilinearOps.elementwise(), a, b);
    }

    /** Elementwise square from the one opening of {@code a} and the dealer's {@code A^2}. */
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

    /** Matrix product {@code a b} of rank-2 tensors. */
    public SecretTensor matmul(SecretTensor a, SecretTensor b) {
        return matmul(a, b, false, false);
    }

    /** {@code op(a) op(b)}, {@code op} transposing where the flag is set. */
    public SecretTensor matmul(SecretTensor a, SecretTensor b, boolean transposeA, boolean transposeB) {
        return product(BilinearOps.matmul(transposeA, transposeB), a, b);
    }

    /**
     * 2-d convolution of {@code input} (N, C, H, W) with {@code weights} (Cout, C, k, k), square
     * kernel, no bias: output (N, Cout, OH, OW).
     */
    public SecretTensor conv2d(SecretTensor input, SecretTensor weights, int stride, int padding) {
        own(input);
        own(weights);
        if (weights.shape.rank() != 4) {
            throw new IllegalArgumentException("conv2d weights must be (Cout, C, k, k), got " + weights.shape);
        }
        return product(Conv2dOps.forward(weights.shape.dim(2), stride, padding, 1), weights, input);
    }

    /** Reveals {@code a} to both parties. While the plan is recorded: zeros. */
    public double[] reveal(SecretTensor a) {
        own(a);
        note("reveal", a);
        return party == null ? new double[a.shape.size()] : fp.decode(party.open(a.share));
    }

    /** Reveals {@code a} to {@code owner} only: its values there, null at the other party (and while recording). */
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
