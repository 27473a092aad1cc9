package org.spdz4j.core.mpc;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/**
 * How a derived mask follows from masks declared before it: element i is element
 * {@code plus[i]} of the parents' concatenation minus element {@code minus[i]} (nothing where an
 * index is -1, so 0 where both are). A tensor made by the same map from tensors opened with the
 * parents is opened with the derived mask for free: its opening {@code X - A} is the same map
 * of theirs ({@link ComputeParty#derive}). A max pool's backward uses it: the gradient routed
 * to the losing candidate is the winner's minus the one routed to the other, so only one of
 * the two is opened.
 *
 * <pre>{@code
 * PlanEntry.Mask w = plan.mask(Shape.of(4));            // opened
 * PlanEntry.Mask a = plan.mask(Shape.of(4));            // opened
 * PlanEntry.Mask b = plan.derive(Shape.of(4), List.of(w, a), new int[]{0, 1, 2, 3}, new int[]{4, 5, 6, 7});  // w - a
 * MaskedTensor wMinusA = party.derive(b, List.of(wMasked, aMasked));   // nothing sent
 * }</pre>
 */
public final class Derivation {
    private final List<PlanEntry.Mask> parents;
    private final int[] plus;
    private final int[] minus;
    private final String digest;

    /**
     * The map from {@code parents} (earlier masks) given by {@code plus} and {@code minus}
     * (indices into the parents' concatenation, or -1; {@code minus} null for none).
     */
    public Derivation(List<PlanEntry.Mask> parents, int[] plus, int[] minus) {
        this.parents = List.copyOf(parents);
        this.plus = plus.clone();
        this.minus = minus == null ? filled(plus.length) : minus.clone();
        if (this.minus.length != this.plus.length) {
            throw new IllegalArgumentException("derivation: " + plus.length + " plus indices but " + this.minus.length
                    + " minus indices");
        }
        long size = 0;
        for (PlanEntry.Mask p : this.parents) {
            size += p.shape().size();
        }
        for (int i = 0; i < this.plus.length; i++) {
            if (this.plus[i] < -1 || this.plus[i] >= size || this.minus[i] < -1 || this.minus[i] >= size) {
                throw new IllegalArgumentException("derivation: element " + i + " takes elements " + this.plus[i] + " and "
                        + this.minus[i] + " of parents holding " + size);
            }
        }
        this.digest = digest(this.plus, this.minus);
    }

    private static int[] filled(int n) {
        int[] a = new int[n];
        java.util.Arrays.fill(a, -1);
        return a;
    }

    /** The masks it is derived from, in order. */
    public List<PlanEntry.Mask> parents() {
        return parents;
    }

    /** Elements of the derived tensor. */
    public int size() {
        return plus.length;
    }

    /** The map applied to tensors of the parents' shapes (shares, masks or openings alike). */
    public Ring128Tensor apply(Shape shape, List<Ring128Tensor> parentTensors) {
        if (parentTensors.size() != parents.size()) {
            throw new IllegalArgumentException("derivation from " + parents.size() + " masks given " + parentTensors.size()
                    + " tensors");
        }
        return map(shape, plus, minus, parentTensors);
    }

    /**
     * The map of {@code plus} and {@code minus} (as for a derivation; {@code minus} null for
     * none) applied to the concatenation of {@code tensors}: a local rearrangement of shares,
     * without a plan.
     */
    public static Ring128Tensor map(Shape shape, int[] plus, int[] minus, List<Ring128Tensor> tensors) {
        Ring128Tensor all = tensors.size() == 1 ? tensors.get(0) : Ring128Tensor.concat(tensors);
        return all.map(shape, plus, minus);
    }

    /** The map applied to the tensor {@code parent} gives for each parent mask. */
    public Ring128Tensor apply(Shape shape, java.util.function.Function<PlanEntry.Mask, Ring128Tensor> parent) {
        return apply(shape, parents.stream().map(parent).toList());
    }

    /** Canonical text: the parents and a digest of the map. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (PlanEntry.Mask p : parents) {
            b.append(b.length() == 0 ? "" : ",").append('m').append(p.id());
        }
        return b.append(" map ").append(digest).toString();
    }

    /**
     * A digest of rows of integers of the same length, column by column (a derivation's plus
     * and minus indices, a monomial's factors): what a plan's text names them by.
     */
    static String digest(int[]... rows) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer buf = ByteBuffer.allocate(4 * rows.length * rows[0].length);
            for (int i = 0; i < rows[0].length; i++) {
                for (int[] row : rows) {
                    buf.putInt(row[i]);
                }
            }
            sha.update(buf.array());
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 unavailable", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Derivation d && d.parents.equals(parents) && d.digest.equals(digest)
                && java.util.Arrays.equals(d.plus, plus) && java.util.Arrays.equals(d.minus, minus);
    }

    @Override
    public int hashCode() {
        return Objects.hash(parents, digest);
    }

    @Override
    public String toString() {
        return describe();
    }
}
