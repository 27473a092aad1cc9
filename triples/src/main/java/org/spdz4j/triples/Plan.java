package org.spdz4j.triples;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.spdz4j.core.mpc.BilinearOp;
import org.spdz4j.core.mpc.NarrowOpening;
import org.spdz4j.core.mpc.PlanEntry;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry.Operand;
import org.spdz4j.core.mpc.PlanEntry.Power;
import org.spdz4j.core.mpc.PlanEntry.Product;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.core.transport.ProtocolException;
import org.spdz4j.core.transport.Role;

/**
 * The ordered masks, powers and products of one step. It follows from public facts only
 * (architecture, batch shape, mode), so P0, P1 and the dealer build it identically and compare
 * its {@link #hash()}. Shapes are checked when a product is declared, not when it runs, and the
 * builder hands out typed handles ({@link PlanEntry}) that the online phase must present.
 *
 * <p>It also fixes which compute party receives each entry's correction from the dealer (the
 * other expands its share from its seed): largest entry first, each goes to the party that has
 * been given fewer values so far (P1 on a tie). Each of the dealer's two links then carries
 * about half of a step's corrections.
 *
 * <pre>{@code
 * Plan.Builder b = Plan.builder("example");
 * PlanEntry.Mask x = b.mask(Shape.of(128, 784));
 * PlanEntry.Mask w = b.mask(Shape.of(10, 784));
 * PlanEntry.Product y = b.product(BilinearOps.matmul(false, true), x, w, 20);   // 128 x 10, truncated by 20
 * Plan plan = b.build();
 * }</pre>
 *
 * <h2>What it throws</h2>
 * The builder throws {@link IllegalArgumentException}, naming the entry, for an operand that is
 * not an entry of this plan or shapes that do not fit the op; {@link #require} and
 * {@link #entry} throw {@link org.spdz4j.core.transport.ProtocolException} or
 * {@link IllegalArgumentException} for a handle or position of another plan.
 */
public final class Plan {
    private final String name;
    private final List<PlanEntry> entries;
    private final byte[] hash;
    private final Role[] corrected; // by entry id; null for a mask

    private Plan(String name, List<PlanEntry> entries) {
        this.name = name;
        this.entries = Collections.unmodifiableList(new ArrayList<>(entries));
        this.hash = digest(name, this.entries);
        this.corrected = balance(this.entries);
    }

    /**
     * The party each entry's correction goes to: largest first (the earlier entry of two alike),
     * each to the party sent fewer values so far, P1 on a tie; the two totals then differ by at
     * most the largest entry.
     */
    private static Role[] balance(List<PlanEntry> entries) {
        Role[] to = new Role[entries.size()];
        List<PlanEntry> bySize = new ArrayList<>();
        for (PlanEntry e : entries) {
            if (!(e instanceof Mask)) {
                bySize.add(e);
            }
        }
        bySize.sort(java.util.Comparator.comparingLong((PlanEntry e) -> -(long) e.correctionShape().size())
                .thenComparingInt(PlanEntry::id));
        long toP0 = 0;
        long toP1 = 0;
        for (PlanEntry e : bySize) {
            if (toP0 < toP1) {
                to[e.id()] = Role.P0;
                toP0 += e.correctionShape().size();
            } else {
                to[e.id()] = Role.P1;
                toP1 += e.correctionShape().size();
            }
        }
        return to;
    }

    /** A builder for a plan called {@code name} (the name is part of the hash). */
    public static Builder builder(String name) {
        return new Builder(name);
    }

    /** The plan's name. */
    public String name() {
        return name;
    }

    /** Every entry, in the order the online phase consumes them. */
    public List<PlanEntry> entries() {
        return entries;
    }

    /** The entry at position {@code id}. */
    public PlanEntry entry(int id) {
        if (id < 0 || id >= entries.size()) {
            throw new IllegalArgumentException("plan '" + name + "' has no entry " + id + " (it has " + entries.size() + ")");
        }
        return entries.get(id);
    }

    /**
     * {@code handle} itself, checked to be this plan's entry at its position: a handle from
     * another plan (or another build of a program) is refused, naming both entries.
     */
    public <E extends PlanEntry> E require(E handle) {
        PlanEntry mine = entry(handle.id());
        if (!mine.describe().equals(handle.describe())) {
            throw new ProtocolException("plan '" + name + "' entry " + handle.id() + " is '" + mine.describe()
                    + "' but the handle given is '" + handle.describe() + "': a handle from another plan");
        }
        return handle;
    }

    /** The canonical description, one line each: the name, then every entry in order (what the hash covers). */
    public String listing() {
        StringBuilder b = new StringBuilder(name);
        for (PlanEntry e : entries) {
            b.append('\n').append(e.describe());
        }
        return b.toString();
    }

    /**
     * The first line where this plan's {@link #listing} ({@code mine}, at {@code self}) and
     * {@code theirs} (at {@code other}) differ, both sides named: what a plan hash mismatch
     * reports instead of two hashes.
     */
    public String firstDifference(String self, String other, String theirs) {
        String[] a = listing().split("\n", -1);
        String[] b = theirs.split("\n", -1);
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? "'" + a[i] + "'" : "no entry";
            String y = i < b.length ? "'" + b[i] + "'" : "no entry";
            if (!x.equals(y)) {
                return (i == 0 ? "the plan's name is " : "plan entry " + (i - 1) + " is ") + x + " at " + self + " but " + y
                        + " at " + other + " (" + (a.length - 1) + " entries at " + self + ", " + (b.length - 1) + " at "
                        + other + "): both must run the same program with the same options";
            }
        }
        return "the plans list alike but hash differently (another version of spdz4j?)";
    }

    /** SHA-256 of the canonical description. */
    public byte[] hash() {
        return hash.clone();
    }

    /** Ring values per step that the dealer sends, to both parties: the sizes of all products, powers and comparisons. */
    public long correctionValues() {
        return correctionValues(Role.P0) + correctionValues(Role.P1);
    }

    /**
     * The party corrected at the entry at position {@code id}, null for a mask: for the dealer and
     * the parties, which walk this plan's own entries (a handle from elsewhere goes through
     * {@link #correctedParty}, which checks it).
     */
    Role correctedAt(int id) {
        return corrected[id];
    }

    /** Ring values per step that the dealer sends {@code party}: the sizes of the entries corrected at it. */
    public long correctionValues(Role party) {
        long n = 0;
        for (PlanEntry e : entries) {
            if (party.equals(corrected[e.id()])) {
                n += e.correctionShape().size();
            }
        }
        return n;
    }

    /**
     * The compute party that receives {@code entry}'s correction from the dealer; the other one's
     * share of it is PRG output. A mask has none: both shares are PRG output.
     *
     * @throws IllegalArgumentException for a mask
     */
    public Role correctedParty(PlanEntry entry) {
        Role r = correctedAt(require(entry).id());
        if (r == null) {
            throw new IllegalArgumentException("plan '" + name + "' entry " + entry.id() + " is a mask: no party receives a correction");
        }
        return r;
    }

    /**
     * The most ring values one message of a step can carry: the sizes of all entries together
     * (every tensor that is opened or shared is masked by an entry, and one round opens at most
     * all of them). A transport may refuse anything larger before allocating it.
     */
    public long largestMessageValues() {
        long n = 0;
        for (PlanEntry e : entries) {
            n += Math.max(e.shape().size(), e.correctionShape().size());
        }
        return Math.max(1, n);
    }

    private static byte[] digest(String name, List<PlanEntry> entries) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(("spdz4j plan v5\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
            for (PlanEntry e : entries) {
                sha.update((e.describe() + "\n").getBytes(StandardCharsets.UTF_8));
            }
            return sha.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    /** Declares entries in the order the online phase consumes them. */
    public static final class Builder {
        private final String name;
        private final List<PlanEntry> entries = new ArrayList<>();
        private int rangeBits; // of the fresh masks; 0: uniform over the ring

        private Builder(String name) {
            this.name = name;
        }

        /**
         * Makes every fresh mask declared from now on narrow, for tensors within
         * {@code [-2^rangeBits, 2^rangeBits)} (see {@link NarrowOpening}): their openings send
         * fewer bits; an opening outside the range is refused where it shows.
         */
        public Builder narrowMasks(int rangeBits) {
            NarrowOpening.requireRange(rangeBits);
            this.rangeBits = rangeBits;
            return this;
        }

        /** A fresh mask for a tensor of this shape (narrow after {@link #narrowMasks}). */
        public Mask mask(Shape shape) {
            return add(new Mask(entries.size(), shape, null, rangeBits));
        }

        /**
         * A fresh mask for a tensor known to lie within {@code [-2^rangeBits, 2^rangeBits)}, such
         * as one a comparison is exact on: narrow at that range where it is tighter than the
         * builder's, as {@link #mask(Shape)} otherwise (masks uniform over the ring stay so).
         */
        public Mask maskWithin(Shape shape, int rangeBits) {
            if (rangeBits < 1) {
                throw new IllegalArgumentException("a tensor within 2^" + rangeBits + " has no mask range");
            }
            return add(new Mask(entries.size(), shape, null, this.rangeBits == 0 ? 0 : Math.min(rangeBits, this.rangeBits)));
        }

        /**
         * A mask derived from the declared {@code parents}: element i is element {@code plus[i]}
         * of their concatenation minus element {@code minus[i]} (-1: none; {@code minus} null for
         * none at all). See {@link org.spdz4j.core.mpc.Derivation} and {@code ComputeParty.derive}.
         */
        public Mask derive(Shape shape, List<Mask> parents, int[] plus, int[] minus) {
            for (Mask p : parents) {
                declared(p);
            }
            try {
                return add(new Mask(entries.size(), shape, new org.spdz4j.core.mpc.Derivation(parents, plus, minus)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("plan '" + name + "' entry " + entries.size() + ": " + e.getMessage(), e);
            }
        }

        /**
         * {@code mask} again when {@code reuse} (optimized mode: a tensor opened once serves every
         * product), else a fresh mask of its shape (baseline). The one idiom for that choice; its
         * online counterpart is {@code ComputeParty.mask(MaskedTensor, Mask)}.
         */
        public Mask maskAgain(Mask mask, boolean reuse) {
            return reuse ? declared(mask) : mask(mask.shape());
        }

        /** The elementwise power {@code A^exponent} (exponent &gt;= 2) of a declared mask. */
        public Power power(Mask mask, int exponent) {
            return add(new Power(entries.size(), declared(mask), exponent));
        }

        /**
         * The comparison {@code [x >= 0]} (and {@code relu(x)}) of the tensor masked with
         * {@code mask}, exact for {@code |x| < 2^(bits-1)}; see {@code ComputeParty.compare}.
         */
        public PlanEntry.Sign sign(Mask mask, int bits) {
            return add(new PlanEntry.Sign(entries.size(), declared(mask), bits));
        }

        /**
         * As {@link #sign}, for {@code [x >= 0]} alone: the dealer sends one ring value less per
         * element, and the result's {@code relu()} is refused.
         */
        public PlanEntry.Sign signOnly(Mask mask, int bits) {
            return add(new PlanEntry.Sign(entries.size(), declared(mask), bits, false));
        }

        /**
         * The dealer's {@code M * beta} for comparison {@code sign} and the mask {@code other} of a
         * tensor to be multiplied by its bit; see {@code ComputeParty.multiplyBySign}.
         */
        public PlanEntry.SignProduct signProduct(PlanEntry.Sign sign, Mask other) {
            return add(new PlanEntry.SignProduct(entries.size(), declared(sign), declared(other)));
        }

        /**
         * The dealer's products of comparison {@code sign}'s random bits for products of its
         * result bits, {@code factors[f][e]} (or {@code ~element} for a complement) the f-th
         * factor of output e; see {@code ComputeParty.signMonomials}.
         */
        public PlanEntry.SignMonomials signMonomials(PlanEntry.Sign sign, int[][] factors) {
            try {
                return add(new PlanEntry.SignMonomials(entries.size(), declared(sign), factors));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("plan '" + name + "' entry " + entries.size() + ": " + e.getMessage(), e);
            }
        }

        /** {@code op(left, right)}, untruncated; fails here, naming the op and shapes, if they do not fit. */
        public Product product(BilinearOp op, Mask left, Mask right) {
            return product(op, Operand.of(left), Operand.of(right), 0);
        }

        /** {@code op(left, right)}, truncated by {@code truncation} bits when multiplied. */
        public Product product(BilinearOp op, Mask left, Mask right, int truncation) {
            return product(op, Operand.of(left), Operand.of(right), truncation);
        }

        /** {@code op(left, right)} of masks or powers of them; fails here, naming the op and shapes, if they do not fit. */
        public Product product(BilinearOp op, Operand left, Operand right, int truncation) {
            Shape l = declared(left.mask()).shape();
            Shape r = declared(right.mask()).shape();
            Shape out;
            try {
                out = op.outputShape(l, r);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("plan '" + name + "' entry " + entries.size() + ": " + e.getMessage(), e);
            }
            return add(new Product(entries.size(), op, left, right, out, truncation));
        }

        /** Entries declared so far. */
        public int size() {
            return entries.size();
        }

        /** The plan of every entry declared so far. */
        public Plan build() {
            return new Plan(name, entries);
        }

        private <E extends PlanEntry> E declared(E e) {
            int id = e.id();
            if (id < 0 || id >= entries.size() || !entries.get(id).equals(e)) {
                throw new IllegalArgumentException("plan '" + name + "': " + e + " is not an entry declared in this plan");
            }
            return e;
        }

        private <E extends PlanEntry> E add(E e) {
            entries.add(e);
            return e;
        }
    }
}
