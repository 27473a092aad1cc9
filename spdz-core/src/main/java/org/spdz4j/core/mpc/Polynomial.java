package org.spdz4j.core.mpc;

import java.util.Arrays;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;

/**
 * A polynomial with public real coefficients {@code c_0 + c_1 x + ... + c_d x^d}, evaluated on
 * shares of the powers of x, each already at scale 2^f; the weighted sum is truncated once. Error: at most {@code (1 + sum |c_k|) ulp} from truncation plus
 * {@code sum |x|^k / 2 ulp} from rounding the coefficients.
 *
 * <pre>{@code
 * Polynomial relu = new Polynomial(0.1875, 0.5, 0.234375);   // least-squares ReLU on [-2, 2]
 * double y = relu.evaluate(1.5);
 * }</pre>
 */
public final class Polynomial {
    private final double[] coefficients;

    /** The polynomial with coefficients {@code c_0, c_1, ...}, lowest first. */
    public Polynomial(double... coefficients) {
        if (coefficients.length == 0) {
            throw new IllegalArgumentException("a polynomial needs at least one coefficient");
        }
        this.coefficients = coefficients.clone();
    }

    /** The degree d. */
    public int degree() {
        return coefficients.length - 1;
    }

    /** The coefficient {@code c_k}. */
    public double coefficient(int k) {
        return coefficients[k];
    }

    /** Plaintext value, for float twins and tests. */
    public double evaluate(double x) {
        double y = 0;
        for (int k = coefficients.length - 1; k >= 0; k--) {
            y = y * x + coefficients[k];
        }
        return y;
    }

    /** The derivative {@code p'}: coefficients {@code (k + 1) c_(k+1)}. */
    public Polynomial derivative() {
        if (degree() == 0) {
            return new Polynomial(0);
        }
        double[] d = new double[degree()];
        for (int k = 0; k < d.length; k++) {
            d[k] = (k + 1) * coefficients[k + 1];
        }
        return new Polynomial(d);
    }

    /**
     * Share of {@code p(x)} at scale 2^f, the one evaluator of a polynomial on shares: the
     * constant is added once (by P0), the powers are weighted by the encoded coefficients and
     * the sum is truncated once.
     *
     * @param powers {@code powers[k]} = share of {@code x^k} at scale 2^f, k = 1..degree (index 0
     *               unused), as from {@link ComputeParty#powers}
     */
    public Ring128Tensor evaluate(ComputeParty party, Ring128Tensor[] powers) {
        FixedPoint fp = party.fixedPoint();
        int f = fp.fractionalBits();
        Shape shape = powers[1].shape();
        Ring128Tensor acc = party.addPublic(Ring128Tensor.zeros(shape),
                Ring128Tensor.filled(shape, fp.encode(coefficients[0])).shiftLeft(f));
        for (int k = 1; k <= degree(); k++) {
            acc = acc.add(powers[k].mulScalar(fp.encode(coefficients[k])));
        }
        return party.truncate(acc, f);
    }

    @Override
    public String toString() {
        return "Polynomial" + Arrays.toString(coefficients);
    }
}
