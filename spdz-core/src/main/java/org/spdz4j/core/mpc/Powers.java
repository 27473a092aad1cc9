package org.spdz4j.core.mpc;

import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.transport.Role;

/**
 * Shares of {@code x^2 .. x^d} from the one opening {@code E = x - A} and the dealer's shares of
 * {@code A^2 .. A^d}: {@code x^k = sum_j C(k, j) E^(k-j) A^j}, all local. Results are
 * untruncated: {@code x^k} carries scale 2^(k f).
 */
public final class Powers {
    private Powers() {
    }

    /**
     * Shares of {@code delta * x^m} for m = 0..d (elementwise; untruncated, scale 2^((m+1) f)),
     * from the one opening of each: {@code delta * x^m = sum_j C(m, j) E^(m-j) (E_D A^j + D A^j)}
     * with the dealer's shares of {@code A^j} and {@code D * A^j}. This is what the backward pass
     * of a polynomial needs; it is the generic Beaver product with {@code A^j} as an operand
     * opened to zero.
     *
     * @param maskPowers        this party's shares of {@code A^j}, j = 2..d (index 0, 1 ignored)
     * @param deltaMaskProducts this party's shares of {@code D * A^j}, j = 1..d (index 0 ignored)
     * @return {@code result[m]} = share of {@code delta * x^m}, m = 0..d
     */
    public static Ring128Tensor[] timesPowers(Role role, MaskedTensor delta, MaskedTensor x,
                                              Ring128Tensor[] maskPowers, Ring128Tensor[] deltaMaskProducts) {
        int d = deltaMaskProducts.length - 1;
        Ring128Tensor e = x.opened();
        Ring128Tensor ed = delta.opened();
        Ring128Tensor[] a = maskPowers.clone();
        a[1] = x.maskShare();
        // deltaA[j] = share of delta * A^j
        Ring128Tensor[] deltaA = new Ring128Tensor[d + 1];
        deltaA[0] = delta.share();
        for (int j = 1; j <= d; j++) {
            deltaA[j] = ed.mul(a[j]).add(deltaMaskProducts[j]);
        }
        Ring128Tensor[] out = new Ring128Tensor[d + 1];
        Ring128Tensor[] ePows = powersOf(e, d);
        for (int m = 0; m <= d; m++) {
            Ring128Tensor acc = Ring128Tensor.zeros(e.shape());
            long binomial = 1;
            for (int j = 0; j <= m; j++) {
                acc = acc.add(ePows[m - j].mulScalar(binomial).mul(deltaA[j]));
                binomial = binomial * (m - j) / (j + 1);
            }
            out[m] = acc;
        }
        return out;
    }

    /**
     * Shares of {@code x^p y^q} (elementwise; untruncated, at p times x's scale plus q times y's)
     * from the one opening of each, {@code E = x - D} and {@code F = y - A}:
     * {@code x^p y^q = sum_{i,j} C(p, i) C(q, j) E^(p-i) F^(q-j) D^i A^j}, with the dealer's
     * shares of the powers {@code D^i} and {@code A^j} and of the products {@code D^i A^j}. It is
     * {@link #compute} of two tensors at once, so {@code (x y)^2} costs the one round that opens
     * x and y.
     *
     * @param xMaskPowers  this party's shares of {@code D^i}, i = 2..p (indices 0 and 1 ignored)
     * @param yMaskPowers  this party's shares of {@code A^j}, j = 2..q (indices 0 and 1 ignored)
     * @param maskProducts this party's shares of {@code D^i A^j} at {@code [i][j]}, i = 1..p, j = 1..q
     */
    public static Ring128Tensor productOfPowers(Role role, MaskedTensor x, int p, MaskedTensor y, int q,
                                                Ring128Tensor[] xMaskPowers, Ring128Tensor[] yMaskPowers,
                                                Ring128Tensor[][] maskProducts) {
        Ring128Tensor[] ePow = powersOf(x.opened(), p);
        Ring128Tensor[] fPow = powersOf(y.opened(), q);
        Ring128Tensor acc = ComputeParty.addPublic(role, Ring128Tensor.zeros(x.shape()), ePow[p].mul(fPow[q]));
        long xBinomial = 1;
        for (int i = 0; i <= p; i++) {
            long yBinomial = 1;
            for (int j = 0; j <= q; j++) {
                Ring128Tensor mask = i == 0 && j == 0 ? null
                        : j == 0 ? (i == 1 ? x.maskShare() : xMaskPowers[i])
                        : i == 0 ? (j == 1 ? y.maskShare() : yMaskPowers[j])
                        : maskProducts[i][j];
                if (mask != null) {
                    acc = acc.add(ePow[p - i].mul(fPow[q - j]).mulScalar(xBinomial * yBinomial).mul(mask));
                }
                yBinomial = yBinomial * (q - j) / (j + 1);
            }
            xBinomial = xBinomial * (p - i) / (i + 1);
        }
        return acc;
    }

    /** {@code e^0 .. e^d}, elementwise. */
    private static Ring128Tensor[] powersOf(Ring128Tensor e, int d) {
        Ring128Tensor[] pow = new Ring128Tensor[d + 1];
        pow[0] = Ring128Tensor.filled(e.shape(), 1);
        for (int k = 1; k <= d; k++) {
            pow[k] = pow[k - 1].mul(e);
        }
        return pow;
    }

    /**
     * @param maskPowers {@code maskPowers[j]} is this party's share of {@code A^j} for j = 2..d;
     *                   entries 0 and 1 are ignored (A^1 is the mask share itself)
     * @return {@code result[k]} = share of {@code x^k} for k = 1..d (index 0 unused)
     */
    public static Ring128Tensor[] compute(Role role, MaskedTensor x, Ring128Tensor[] maskPowers) {
        int d = maskPowers.length - 1;
        Ring128Tensor e = x.opened();
        Ring128Tensor[] a = maskPowers.clone();
        a[1] = x.maskShare();
        Ring128Tensor[] ePow = powersOf(e, d);
        Ring128Tensor[] out = new Ring128Tensor[d + 1];
        for (int k = 1; k <= d; k++) {
            if (!a[k].shape().equals(e.shape())) {
                throw new IllegalArgumentException("share of A^" + k + " has shape " + a[k].shape() + " but x has " + e.shape());
            }
            Ring128Tensor acc = ComputeParty.addPublic(role, Ring128Tensor.zeros(e.shape()), ePow[k]);
            long binomial = 1;
            for (int j = 1; j <= k; j++) {
                binomial = binomial * (k - j + 1) / j;
                acc = acc.add(ePow[k - j].mulScalar(binomial).mul(a[j]));
            }
            out[k] = acc;
        }
        return out;
    }
}
