package org.spdz4j.layers;

import java.util.List;
import org.spdz4j.core.fixed.FixedPoint;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.Polynomial;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.triples.Plan;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry.Operand;
import org.spdz4j.core.mpc.PlanEntry.Power;
import org.spdz4j.core.mpc.PlanEntry.Product;

/**
 * ReLU approximated by the least-squares polynomial of degree {@code degree} on
 * {@code [-a, a]} (uniform weight). On a symmetric interval the fit of ReLU = (x + |x|)/2 has
 * no odd terms above x, so degree 3 equals degree 2: {@code 3a/32 + x/2 + 15x^2/(32a)}.
 *
 * <p>Optimized: the input is opened once; its powers come from the dealer's {@code A^j} and the
 * backward {@code delta * p'(z)} from {@code delta}'s one opening and the products
 * {@code D * A^j}. Baseline: each power is a product of two freshly masked operands, and the
 * backward a product of freshly masked {@code delta} and {@code p'(z)}.
 *
 * <pre>{@code
 * PolyRelu relu = new PolyRelu(2, 2.0);
 * relu.polynomial().evaluate(1.0);   // 0.921875
 * }</pre>
 */
public record PolyRelu(int degree, double a) implements Layer {

    /** Checks the degree and the interval. */
    public PolyRelu {
        if (degree < 2 || degree > 6 || !(a > 0)) {
            throw new IllegalArgumentException("polynomial ReLU needs degree in [2, 6] and a > 0, got " + degree + ", " + a);
        }
    }

    /** The least-squares coefficients, solved from the normal equations on [-a, a]. */
    public Polynomial polynomial() {
        int n = degree + 1;
        double[][] m = new double[n][n + 1];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                int p = i + j + 1;
                m[i][j] = p % 2 == 1 ? 2 * Math.pow(a, p) / p : 0; // integral of x^(i+j) over [-a, a]
            }
            m[i][n] = Math.pow(a, i + 2) / (i + 2);               // integral of relu(x) x^i
        }
        for (int c = 0; c < n; c++) { // Gauss-Jordan with partial pivoting
            int pivot = c;
            for (int r = c + 1; r < n; r++) {
                if (Math.abs(m[r][c]) > Math.abs(m[pivot][c])) {
                    pivot = r;
                }
            }
            double[] t = m[c];
            m[c] = m[pivot];
            m[pivot] = t;
            for (int r = 0; r < n; r++) {
                if (r != c) {
                    double factor = m[r][c] / m[c][c];
                    for (int k = c; k <= n; k++) {
                        m[r][k] -= factor * m[c][k];
                    }
                }
            }
        }
        double[] coefficients = new double[n];
        for (int i = 0; i < n; i++) {
            coefficients[i] = Math.abs(m[i][n] / m[i][i]) < 1e-12 ? 0 : m[i][n] / m[i][i];
        }
        return new Polynomial(coefficients);
    }

    @Override
    public Shape outputShape(Shape input) {
        return input;
    }

    @Override
    public String describe() {
        return "polyrelu(degree=" + degree + ",a=" + a + ")";
    }

    @Override
    public SecureLayer secure(Shape input, SecureSetup setup) {
        Polynomial p = polynomial();
        FixedPoint fp = setup.fp();
        int f = fp.fractionalBits();
        if (setup.rangeCheck() != null && !setup.optimized()) {
            throw new IllegalArgumentException("the range check of " + describe() + " needs optimized mode (baseline masks "
                    + "its input afresh for every power)");
        }
        return setup.optimized() ? new OneOpening(input, p, f, setup.rangeCheck()) : new Chained(input, p, fp);
    }

    /** Optimized: powers and the derivative product from one opening each of z and delta. */
    private final class OneOpening implements SecureLayer {
        private final Shape shape;
        private final Polynomial p;
        private final int f;
        private Mask maskZ, maskDelta;
        private final Power[] powers = new Power[degree - 1];              // A^2 .. A^d
        private final Product[] deltaProducts = new Product[degree - 1];   // D*A^1 .. D*A^(d-1)
        private MaskedTensor z;
        private final RangeCheck rangeCheck; // null when off
        private RangeCheck.Bound interval;

        OneOpening(Shape shape, Polynomial p, int f, RangeCheck rangeCheck) {
            this.shape = shape;
            this.p = p;
            this.f = f;
            this.rangeCheck = rangeCheck;
        }

        @Override
        public void declareForward(Plan.Builder plan) {
            maskZ = plan.mask(shape);
            for (int j = 2; j <= degree; j++) {
                powers[j - 2] = plan.power(maskZ, j);
            }
            if (rangeCheck != null) { // the interval the polynomial was fitted on, [-a, a]
                interval = rangeCheck.declare(plan, maskZ, Math.round(Math.scalb(a, f)));
            }
        }

        @Override
        public void declareBackward(Plan.Builder plan, boolean inputGradient) {
            maskDelta = plan.mask(shape);
            for (int j = 1; j < degree; j++) {
                deltaProducts[j - 1] = plan.product(BilinearOps.elementwise(), Operand.of(maskDelta), new Operand(maskZ, j), 0);
            }
        }

        @Override
        public Ring128Tensor forward(ComputeParty party, Ring128Tensor input) {
            z = party.mask(input, maskZ);
            if (rangeCheck != null) {
                rangeCheck.check(interval, z);
            }
            return p.evaluate(party, party.powers(z, f, powers));
        }

        @Override
        public Ring128Tensor backward(ComputeParty party, Ring128Tensor delta, boolean inputGradient) {
            MaskedTensor d = party.mask(delta, maskDelta);
            Ring128Tensor[] dz = party.timesPowers(d, z, powers, deltaProducts); // delta * z^m, scale (m+1)f
            FixedPoint fp = party.fixedPoint();
            Ring128Tensor acc = Ring128Tensor.zeros(shape);
            for (int m = 0; m < degree; m++) {
                Ring128Tensor term = m == 0 ? dz[0] : party.truncate(dz[m], m * f);
                acc = acc.add(term.mulScalar(fp.encode((m + 1) * p.coefficient(m + 1))));
            }
            return party.truncate(acc, f);
        }
    }

    /** Baseline: generic products with fresh masks for both operands. */
    private final class Chained implements SecureLayer {
        private final Shape shape;
        private final Polynomial p;
        private final FixedPoint fp;
        private final Mask[] leftMasks = new Mask[degree - 1];
        private final Mask[] rightMasks = new Mask[degree - 1];
        private final Product[] products = new Product[degree - 1];
        private Mask maskDelta, maskDerivative;
        private Product productBackward;
        private Ring128Tensor[] zPowers;

        Chained(Shape shape, Polynomial p, FixedPoint fp) {
            this.shape = shape;
            this.p = p;
            this.fp = fp;
        }

        @Override
        public void declareForward(Plan.Builder plan) {
            for (int k = 0; k < degree - 1; k++) {
                leftMasks[k] = plan.mask(shape);
                rightMasks[k] = plan.mask(shape);
                products[k] = plan.product(BilinearOps.elementwise(), leftMasks[k], rightMasks[k], fp.fractionalBits());
            }
        }

        @Override
        public void declareBackward(Plan.Builder plan, boolean inputGradient) {
            maskDelta = plan.mask(shape);
            maskDerivative = plan.mask(shape);
            productBackward = plan.product(BilinearOps.elementwise(), maskDelta, maskDerivative, fp.fractionalBits());
        }

        @Override
        public Ring128Tensor forward(ComputeParty party, Ring128Tensor z) {
            zPowers = new Ring128Tensor[degree + 1];
            zPowers[1] = z;
            for (int k = 2; k <= degree; k++) {
                List<MaskedTensor> operands = party.maskAll(List.of(zPowers[k - 1], z),
                        List.of(leftMasks[k - 2], rightMasks[k - 2]));
                zPowers[k] = party.multiply(products[k - 2], operands.get(0), operands.get(1));
            }
            return p.evaluate(party, zPowers);
        }

        @Override
        public Ring128Tensor backward(ComputeParty party, Ring128Tensor delta, boolean inputGradient) {
            Ring128Tensor derivative = p.derivative().evaluate(party, zPowers);
            List<MaskedTensor> operands = party.maskAll(List.of(delta, derivative), List.of(maskDelta, maskDerivative));
            return party.multiply(productBackward, operands.get(0), operands.get(1));
        }
    }

    @Override
    public FloatLayer twin(Shape input, Initializer init) {
        Polynomial p = polynomial();
        return new FloatLayer() {
            private double[] z;

            @Override
            public FloatTensor forward(FloatTensor x) {
                z = x.values();
                return FloatOps.map(x, p::evaluate);
            }

            @Override
            public FloatTensor backward(FloatTensor delta) {
                double[] out = new double[z.length];
                for (int i = 0; i < z.length; i++) {
                    double d = 0;
                    for (int k = degree; k >= 1; k--) {
                        d = d * z[i] + k * p.coefficient(k);
                    }
                    out[i] = delta.values()[i] * d;
                }
                return new FloatTensor(delta.shape(), out);
            }
        };
    }
}
