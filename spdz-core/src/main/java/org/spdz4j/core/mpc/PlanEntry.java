package org.spdz4j.core.mpc;

import java.util.Objects;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/**
 * One piece of correlated randomness in a plan, and the typed handle the online phase uses to
 * address it. Its {@code id} is its position in the plan, and also the PRG stream its shares
 * are drawn from. Handles are made by the plan builder ({@code Plan.Builder} in the
 * {@code triples} module) and checked by {@link ComputeParty}: a {@link Mask} serves one tensor
 * per step, a {@link Product} only the operands it was declared with.
 *
 * <pre>{@code
 * PlanEntry.Mask x = plan.mask(Shape.of(128, 784));
 * PlanEntry.Mask w = plan.mask(Shape.of(10, 784));
 * PlanEntry.Product xw = plan.product(BilinearOps.matmul(false, true), x, w);
 * Ring128Tensor y = party.multiply(xw, party.mask(xShare, x), party.mask(wShare, w));
 * }</pre>
 */
public sealed interface PlanEntry {

    /** Position in the plan and PRG stream of this entry's shares. */
    int id();

    /** Shape of the dealer's tensor for this entry. */
    Shape shape();

    /** Canonical text, hashed into the plan hash. */
    String describe();

    /** Shape of P0's PRG share of this entry and of the dealer's correction for P1. */
    default Shape correctionShape() {
        return shape();
    }

    /**
     * The share of the party the dealer does not correct, from its PRG's {@code output} of
     * {@link #correctionShape()}; the dealer computes the other's correction against the same.
     * The output as it is, but for a comparison (see {@link Sign#generatedShare}).
     */
    default Ring128Tensor generatedShare(Ring128Tensor output) {
        return output;
    }

    /**
     * A random mask {@code A} of a tensor that will be opened once per step as {@code X - A};
     * or, with a {@code derivation}, a linear map of earlier masks, for a tensor derived by the
     * same map from tensors opened with them (its opening then costs nothing).
     *
     * <p>A fresh mask is uniform over the ring, or, with {@code rangeBits} &gt; 0, a narrow mask
     * for a tensor whose elements lie in {@code [-2^rangeBits, 2^rangeBits)}: each party's share
     * is uniform below {@code 2^(rangeBits + STATISTICAL_BITS + 1)}, so {@code X - A} hides X up
     * to a statistical distance of {@code 2^-STATISTICAL_BITS} an element and fits in
     * {@link #openingBits()} bits, the only bits of it the parties send ({@link NarrowOpening}).
     *
     * @param id         position in the plan
     * @param shape      shape of the masked tensor
     * @param derivation null for a fresh mask, else how it follows from earlier masks
     * @param rangeBits  0 for a mask uniform over the ring, else the bound of a narrow mask
     */
    record Mask(int id, Shape shape, Derivation derivation, int rangeBits) implements PlanEntry {
        /** Checks the components. */
        public Mask {
            Objects.requireNonNull(shape, "shape");
            if (derivation != null && derivation.size() != shape.size()) {
                throw new IllegalArgumentException("mask " + id + " of shape " + shape + " derived by a map of "
                        + derivation.size() + " elements");
            }
            if (rangeBits != 0) {
                if (derivation != null) {
                    throw new IllegalArgumentException("mask " + id + " is derived: only a fresh mask is narrow");
                }
                NarrowOpening.requireRange(rangeBits);
            }
        }

        /** A fresh mask uniform over the ring. */
        public Mask(int id, Shape shape) {
            this(id, shape, null, 0);
        }

        /** A fresh mask uniform over the ring, or derived by {@code derivation}. */
        public Mask(int id, Shape shape, Derivation derivation) {
            this(id, shape, derivation, 0);
        }

        /** Whether it is a linear map of earlier masks rather than fresh randomness. */
        public boolean derived() {
            return derivation != null;
        }

        /** Whether it is a narrow mask (see the type's description). */
        public boolean narrow() {
            return rangeBits > 0;
        }

        /** The low bits of an opening that the parties send: {@link NarrowOpening#bits} for a narrow mask, else 128. */
        public int openingBits() {
            return narrow() ? NarrowOpening.bits(rangeBits) : 128;
        }

        /** A party's share of this fresh mask from its PRG's {@code output} of the mask's shape: narrowed for a narrow mask. */
        public Ring128Tensor shareFrom(Ring128Tensor output) {
            return narrow() ? NarrowOpening.maskShare(output, rangeBits) : output;
        }

        @Override
        public String describe() {
            return id + " mask " + shape + (derivation == null ? "" : " = " + derivation.describe())
                    + (narrow() ? " within 2^" + rangeBits : "");
        }
    }

    /**
     * The elementwise power {@code A^exponent} of a mask, for polynomials from one opening.
     *
     * @param id       position in the plan
     * @param mask     the mask whose power this is
     * @param exponent at least 2
     */
    record Power(int id, Mask mask, int exponent) implements PlanEntry {
        /** Checks the components. */
        public Power {
            if (exponent < 2) {
                throw new IllegalArgumentException("power exponent must be at least 2, got " + exponent);
            }
        }

        @Override
        public Shape shape() {
            return mask.shape();
        }

        @Override
        public String describe() {
            return id + " power " + mask.id() + "^" + exponent + " " + shape();
        }
    }

    /**
     * {@code C = op(left, right)} of two mask operands; {@link ComputeParty#multiply} truncates
     * its result by {@code truncation} bits (0: the caller truncates, e.g. after summing).
     *
     * @param id         position in the plan
     * @param op         the bilinear op, the same function the dealer evaluates on the masks
     * @param left       the left operand's mask (or a power of it)
     * @param right      the right operand's mask (or a power of it)
     * @param shape      the output shape, checked at declaration
     * @param truncation bits the online product is truncated by
     */
    record Product(int id, BilinearOp op, Operand left, Operand right, Shape shape, int truncation)
            implements PlanEntry {
        /** Checks the components. */
        public Product {
            if (truncation < 0) {
                throw new IllegalArgumentException("truncation must be at least 0, got " + truncation);
            }
        }

        @Override
        public String describe() {
            return id + " product " + op.name() + " " + left + " " + right + " " + shape
                    + (truncation == 0 ? "" : " >>" + truncation);
        }
    }

    /**
     * The sign of the tensor masked with {@code mask}: {@link ComputeParty#compare} turns its one
     * opening into shares of {@code [x >= 0]} and, unless planned for the sign alone, of
     * {@code relu(x)}, exact for {@code |x| < 2^(bits-1)} as an integer of the ring (the
     * fixed-point value times 2^f). A comparison for the sign alone costs the dealer one ring
     * value less per element (no {@code A * beta}).
     *
     * @param id   position in the plan
     * @param mask the mask of the compared tensor
     * @param bits 2 to 128: the width of the comparison (cost grows with it; 128: every ring value as a signed one)
     * @param relu whether it also gives {@code relu(x)}
     */
    record Sign(int id, Mask mask, int bits, boolean relu) implements PlanEntry {
        /** Checks the components. */
        public Sign {
            Objects.requireNonNull(mask, "mask");
            if (bits < 2 || bits > 128) {
                throw new IllegalArgumentException("comparison width must be 2..128 bits, got " + bits);
            }
        }

        /** A comparison that gives {@code relu(x)} too. */
        public Sign(int id, Mask mask, int bits) {
            this(id, mask, bits, true);
        }

        @Override
        public Shape shape() {
            return mask.shape();
        }

        @Override
        public Shape correctionShape() {
            return SecureComparison.determinedShape(shape().size(), bits, relu);
        }

        /** Shape of the material both parties expand from their own seeds (PRG stream {@code ~id}). */
        public Shape randomShape() {
            return SecureComparison.randomShape(shape().size(), bits);
        }

        /** The determined material from the PRG's output: beta's share narrowed (see {@link SecureComparison}). */
        @Override
        public Ring128Tensor generatedShare(Ring128Tensor output) {
            return SecureComparison.generatedShare(output, shape().size(), relu);
        }

        @Override
        public String describe() {
            return id + (relu ? " sign m" : " sign-only m") + mask.id() + " k=" + bits + " " + shape();
        }
    }

    /**
     * The dealer's {@code M * beta} for a comparison's random bit {@code beta} and the mask M of
     * another tensor g of the same shape: with it {@link ComputeParty#multiplyBySign} gives
     * {@code g [x >= 0]} from g's one opening, without opening the comparison bit (a ReLU's or a
     * max pool's backward pass).
     *
     * @param id    position in the plan
     * @param sign  the comparison
     * @param other the mask of the tensor multiplied by the comparison's bit
     */
    record SignProduct(int id, Sign sign, Mask other) implements PlanEntry {
        /** Checks the components. */
        public SignProduct {
            Objects.requireNonNull(sign, "sign");
            Objects.requireNonNull(other, "other");
            if (!sign.shape().equals(other.shape())) {
                throw new IllegalArgumentException("comparison entry " + sign.id() + " has shape " + sign.shape()
                        + " but mask entry " + other.id() + " has shape " + other.shape());
            }
        }

        @Override
        public Shape shape() {
            return sign.shape();
        }

        @Override
        public String describe() {
            return id + " signproduct s" + sign.id() + " m" + other.id() + " " + shape();
        }
    }

    /**
     * Products of a comparison's random bits, so that products of its result bits cost no round:
     * element e of the output multiplies {@code factors.length} result bits of comparison
     * {@code sign}, factor f being the bit at its element {@code factors[f][e]}, or, where that
     * is written {@code ~i}, the complement {@code 1 - z} of the bit at element i. Each result bit
     * is {@code d xor beta} for an opened d, so the product is a polynomial in the betas with
     * public coefficients; the dealer shares the products of the betas over every set of two
     * factors or more ({@code 2^L - 1 - L} an element for L factors, 43 bits each), and
     * {@link ComputeParty#signMonomials} evaluates it locally (the winner of an argmax or of a max
     * pool's window: the candidate that beats every other). The complements matter online only;
     * the dealer's products are the same either way.
     *
     * @param id      position in the plan
     * @param sign    the comparison, made earlier in the same step
     * @param factors L rows (2 to {@value #MAX_FACTORS}) of the same length: each factor's
     *                element of the comparison, or its complement {@code ~element}
     */
    record SignMonomials(int id, Sign sign, int[][] factors) implements PlanEntry {
        /** The most factors a monomial may have (the winner of 10 candidates): the dealer's products grow as 2^L. */
        public static final int MAX_FACTORS = 9;

        /** Checks the components. */
        public SignMonomials {
            Objects.requireNonNull(sign, "sign");
            if (factors.length < 2 || factors.length > MAX_FACTORS) {
                throw new IllegalArgumentException("a product of comparison bits takes 2 to " + MAX_FACTORS + " factors, got "
                        + factors.length);
            }
            int n = factors[0].length;
            int compared = sign.shape().size();
            for (int[] row : factors) {
                if (row.length != n || n == 0) {
                    throw new IllegalArgumentException("the factors of a product of comparison bits need one element each "
                            + "for all " + n + " outputs");
                }
                for (int i : row) {
                    int element = i < 0 ? ~i : i;
                    if (element >= compared) {
                        throw new IllegalArgumentException("comparison entry " + sign.id() + " compares " + compared
                                + " elements; a factor names element " + element);
                    }
                }
            }
            factors = java.util.Arrays.stream(factors).map(int[]::clone).toArray(int[][]::new);
        }

        /** The factors' elements (a copy): {@code ~i} for the complement of element i. */
        @Override
        public int[][] factors() {
            return java.util.Arrays.stream(factors).map(int[]::clone).toArray(int[][]::new);
        }

        @Override
        public Shape shape() {
            return Shape.of(factors[0].length);
        }

        /** The products' shares: bit rows for each set of two factors or more (see {@link SecureComparison}). */
        @Override
        public Shape correctionShape() {
            return SecureComparison.monomialShape(factors[0].length, factors.length);
        }

        /** The generated share narrowed as a comparison's beta is. */
        @Override
        public Ring128Tensor generatedShare(Ring128Tensor output) {
            return SecureComparison.monomialGeneratedShare(output, factors[0].length, factors.length);
        }

        @Override
        public String describe() {
            return id + " signmonomials s" + sign.id() + " " + factors.length + " factors " + shape() + " "
                    + Derivation.digest(factors);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof SignMonomials m && m.id == id && m.sign.equals(sign) && java.util.Arrays.deepEquals(m.factors, factors);
        }

        @Override
        public int hashCode() {
            return Objects.hash(id, sign, java.util.Arrays.deepHashCode(factors));
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /**
     * A mask or an elementwise power of it as the argument of a product.
     *
     * @param mask  the mask
     * @param power 1 for the mask itself, else the power of it (see {@link ComputeParty#timesPowers})
     */
    record Operand(Mask mask, int power) {
        /** Checks the components. */
        public Operand {
            Objects.requireNonNull(mask, "mask");
            if (power < 1) {
                throw new IllegalArgumentException("operand power must be at least 1, got " + power);
            }
        }

        /** The mask itself as an operand. */
        public static Operand of(Mask mask) {
            return new Operand(mask, 1);
        }

        @Override
        public String toString() {
            return power == 1 ? "m" + mask.id() : "m" + mask.id() + "^" + power;
        }
    }
}
