package org.spdz4j.core.mpc;

import java.util.Arrays;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.transport.Role;

/**
 * A polynomial with public real coefficients {@code c_0 + c_1 x + ... + c_d x^d}, evaluated on
 * shares of the powers of x. Each {@code x^k} (k &gt;= 2) is truncated to scale 2^f first, so the
 * largest intermediate scale is that of {@code x^d} itself; then the weighted sum is truncated
 * once more. Error: at most {@code (1 + sum |c_k|) ulp} from truncation plus
 * {@code sum |x|^k / 2 ulp} from rounding the coefficients.
 *
 * <pre>{@code
 * Polynomial relu = new Polynomial(0.1875, 0.5, 0.234375);   // least-squares ReLU on [-2, 2]
 * double y = relu.evaluate(1.5);
 * }</pre>
 */
public final class Polynomial {
    private final double[] coefficients;

    public Polynomial(double... coefficients) {
        if (coefficients.length == 0) {
            throw new IllegalArgumentException("a polynomial needs at least one coefficient");
        }
        this.coefficients = coefficients.clone();
    }

    public int degree() {
        return coefficients.length - 1;
    }

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

    /**
     * Share of {@code p(x)} at scale 2^f.
     *
     * @param powers {@code powers[k]} = share of {@code x^k} at scale 2^(k f), k = 1..degree, as
     *               from {@link Powers#compute}
     */
    public Ring128Tensor evaluate(Role role, FixedPoint fp, Ring128Tensor[] powers) {
        int f = fp.fractionalBits();
        Ring128Tensor acc = Ring128Tensor.zeros(powers[1].shape());
        if (role.partyIndex() == 0) {
            acc = Ring128Tensor.filled(acc.shape(), fp.encode(coefficients[0])).shiftLeft(f);
        }
        for (int k = 1; k <= degree(); k++) {
            Ring128Tensor xk = k == 1 ? powers[1] : Truncation.truncate(role, powers[k], (k - 1) * f);
            acc = acc.add(xk.mulScalar(fp.encode(coefficients[k])));
        }
        return Truncation.truncate(role, acc, f);
    }

    @Override
    public String toString() {
        return "Polynomial" + Arrays.toString(coefficients);
    }
}
