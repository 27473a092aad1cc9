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
        Ring128Tensor ePow = Ring128Tensor.filled(e.shape(), 1);
        Ring128Tensor[] ePows = new Ring128Tensor[d + 1];
        for (int k = 0; k <= d; k++) {
            ePows[k] = ePow;
            ePow = ePow.mul(e);
        }
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
     * @param maskPowers {@code maskPowers[j]} is this party's share of {@code A^j} for j = 2..d;
     *                   entries 0 and 1 are ignored (A^1 is the mask share itself)
     * @return {@code result[k]} = share of {@code x^k} for k = 1..d (index 0 unused)
     */
    public static Ring128Tensor[] compute(Role role, MaskedTensor x, Ring128Tensor[] maskPowers) {
        int d = maskPowers.length - 1;
        Ring128Tensor e = x.opened();
        Ring128Tensor[] a = maskPowers.clone();
        a[1] = x.maskShare();
        Ring128Tensor[] ePow = new Ring128Tensor[d + 1];
        ePow[0] = Ring128Tensor.filled(e.shape(), 1);
        for (int k = 1; k <= d; k++) {
            ePow[k] = ePow[k - 1].mul(e);
        }
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
