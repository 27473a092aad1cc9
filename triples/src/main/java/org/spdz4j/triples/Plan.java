package org.spdz4j.triples;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.spdz4j.core.mpc.BilinearOp;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.triples.PlanEntry.Mask;
import org.spdz4j.triples.PlanEntry.Operand;
import org.spdz4j.triples.PlanEntry.Power;
import org.spdz4j.triples.PlanEntry.Product;

/**
 * The ordered masks, powers and products of one step. It follows from public facts only
 * (architecture, batch shape, mode), so P0, P1 and the dealer build it identically and compare
 * its {@link #hash()}. Shapes are checked when a product is declared, not when it runs.
 *
 * <pre>{@code
 * Plan.Builder b = Plan.builder("example");
 * int x = b.mask(Shape.of(128, 784));
 * int w = b.mask(Shape.of(10, 784));
 * int y = b.product(BilinearOps.matmul(false, true), x, w);     // 128 x 10
 * Plan plan = b.build();
 * }</pre>
 */
public final class Plan {
    private final String name;
    private final List<PlanEntry> entries;
    private final byte[] hash;

    private Plan(String name, List<PlanEntry> entries) {
        this.name = name;
        this.entries = Collections.unmodifiableList(new ArrayList<>(entries));
        this.hash = digest(name, this.entries);
    }

    public static Builder builder(String name) {
        return new Builder(name);
    }

    public String name() {
        return name;
    }

    public List<PlanEntry> entries() {
        return entries;
    }

    public PlanEntry entry(int id) {
        if (id < 0 || id >= entries.size()) {
            throw new IllegalArgumentException("plan '" + name + "' has no entry " + id + " (it has " + entries.size() + ")");
        }
        return entries.get(id);
    }

    /** SHA-256 of the canonical description. */
    public byte[] hash() {
        return hash.clone();
    }

    /** Ring values per step that the dealer sends P1: the sizes of all products and powers. */
    public long correctionValues() {
        long n = 0;
        for (PlanEntry e : entries) {
            if (!(e instanceof Mask)) {
                n += e.shape().size();
            }
        }
        return n;
    }

    private static byte[] digest(String name, List<PlanEntry> entries) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(("spdz4j plan v1\n" + name + "\n").getBytes(StandardCharsets.UTF_8));
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

        private Builder(String name) {
            this.name = name;
        }

        /** A fresh mask for a tensor of this shape; returns its entry id. */
        public int mask(Shape shape) {
            return add(new Mask(entries.size(), shape));
        }

        /** The elementwise power {@code A^exponent} (exponent &gt;= 2) of a declared mask. */
        public int power(int mask, int exponent) {
            if (exponent < 2) {
                throw new IllegalArgumentException("power exponent must be at least 2, got " + exponent);
            }
            return add(new Power(entries.size(), mask, exponent, maskEntry(mask).shape()));
        }

        public int product(BilinearOp op, int leftMask, int rightMask) {
            return product(op, Operand.of(leftMask), Operand.of(rightMask));
        }

        /** {@code op(left, right)}; fails here, naming the op and shapes, if they do not fit. */
        public int product(BilinearOp op, Operand left, Operand right) {
            Shape l = maskEntry(left.mask()).shape();
            Shape r = maskEntry(right.mask()).shape();
            Shape out;
            try {
                out = op.outputShape(l, r);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("plan '" + name + "' entry " + entries.size() + ": " + e.getMessage(), e);
            }
            return add(new Product(entries.size(), op, left, right, out));
        }

        public Plan build() {
            return new Plan(name, entries);
        }

        private Mask maskEntry(int id) {
            if (id < 0 || id >= entries.size() || !(entries.get(id) instanceof Mask m)) {
                throw new IllegalArgumentException("plan '" + name + "': entry " + id + " is not a declared mask");
            }
            return m;
        }

        private int add(PlanEntry e) {
            entries.add(e);
            return e.id();
        }
    }
}
