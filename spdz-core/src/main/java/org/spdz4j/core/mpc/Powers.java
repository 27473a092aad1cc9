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
            Ring128Tensor acc = role.partyIndex() == 0 ? ePow[k] : Ring128Tensor.zeros(e.shape());
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
