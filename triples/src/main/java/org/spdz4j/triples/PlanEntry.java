package org.spdz4j.triples;

import org.spdz4j.core.mpc.BilinearOp;
import org.spdz4j.core.ring.Shape;

/**
 * One piece of correlated randomness in a {@link Plan}. Its {@code id} is its position in the
 * plan, and also the PRG stream its shares are drawn from.
 */
public sealed interface PlanEntry {

    int id();

    Shape shape();

    /** Canonical text, hashed into the plan hash. */
    String describe();

    /** A uniformly random mask {@code A} of a tensor that will be opened once as {@code X - A}. */
    record Mask(int id, Shape shape) implements PlanEntry {
        @Override
        public String describe() {
            return id + " mask " + shape;
        }
    }

    /** The elementwise power {@code A^exponent} of a mask, for polynomials from one opening. */
    record Power(int id, int mask, int exponent, Shape shape) implements PlanEntry {
        @Override
        public String describe() {
            return id + " power " + mask + "^" + exponent + " " + shape;
        }
    }

    /** {@code C = op(left, right)} of two mask operands. */
    record Product(int id, BilinearOp op, Operand left, Operand right, Shape shape) implements PlanEntry {
        @Override
        public String describe() {
            return id + " product " + op.name() + " " + left + " " + right + " " + shape;
        }
    }

    /** A mask or an elementwise power of it as the argument of a product. */
    record Operand(int mask, int power) {
        public static Operand of(int mask) {
            return new Operand(mask, 1);
        }

        @Override
        public String toString() {
            return power == 1 ? "m" + mask : "m" + mask + "^" + power;
        }
    }
}
