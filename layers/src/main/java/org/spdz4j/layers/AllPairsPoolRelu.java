package org.spdz4j.layers;

import java.util.List;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry.Product;
import org.spdz4j.core.mpc.PlanEntry.Sign;
import org.spdz4j.core.mpc.PlanEntry.SignMonomials;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.triples.Plan;

/**
 * A max pool and the ReLU after it in one comparison, forward only (private prediction of small
 * batches; see {@link MaxPool2d#secureWithRelu}): every pair of a window's candidates and every
 * candidate itself compared at once, {@code c_ij = [v_i - v_j >= 0]} (ties to the lower
 * candidate, as {@link Tournament}) and {@code z_i = [v_i >= 0]}; the candidate that beats all
 * others has {@code h_i = prod_(j > i) c_ij prod_(j < i) (1 - c_ji) = 1}, a product of comparison
 * bits that costs no round ({@link ComputeParty#signMonomials}); then {@code relu(max) = sum_i
 * h_i relu(v_i)}, one product. 5 rounds where the tournament with the ReLU in its last level takes
 * 9 for a 2x2 window, the same values bit for bit within the comparisons' range (the winner's
 * {@code relu(v)}, every step exact); for {@code C(C-1)/2 + C} compared elements a window instead
 * of {@code C + 1} and the dealer's products of the bits ({@code 2^(C-1) - C} an element of the
 * one-hot), so it serves windows of up to {@value #MAX_CANDIDATES} candidates.
 *
 * <p>Each instance is one party's: declare it in the plan, then run {@link #forward} once per step.
 */
final class AllPairsPoolRelu implements SecureLayer {
    /** The most candidates a window may have here: a 2x2 window; beyond, the one-hot's products grow as 2^C. */
    static final int MAX_CANDIDATES = 4;
    private final int[][] index; // index[j][o]: the input position of window position j of output o
    private final Shape output;
    private final int bits;
    private final int candidates;
    private final int outputs;
    private final int[][] pairs; // {i, j}, i < j, in the order of their rows
    private Mask differences; // the pairs' (pairs, outputs)
    private Sign beats;
    private Mask values; // the candidates' (candidates, outputs)
    private Sign nonNegative;
    private SignMonomials winners;
    private Mask winnerMask;
    private Mask reluMask;
    private Product select;

    AllPairsPoolRelu(int[][] index, Shape output, int bits) {
        if (index.length < 2 || index.length > MAX_CANDIDATES) {
            throw new IllegalArgumentException("an all-pairs pool takes 2 to " + MAX_CANDIDATES + " candidates, not "
                    + index.length);
        }
        this.index = index;
        this.output = output;
        this.bits = bits;
        this.candidates = index.length;
        this.outputs = output.size();
        this.pairs = AllPairsArgmax.pairs(candidates);
    }

    @Override
    public void declareForward(Plan.Builder plan) {
        differences = plan.maskWithin(Shape.of(pairs.length, outputs), bits - 1); // the comparison's exact range
        beats = plan.signOnly(differences, bits);
        values = plan.maskWithin(Shape.of(candidates, outputs), bits - 1);
        nonNegative = plan.sign(values, bits);
        winners = plan.signMonomials(beats, AllPairsArgmax.winnerFactors(pairs, candidates, outputs));
        winnerMask = plan.maskWithin(Shape.of(candidates * outputs), 1);
        reluMask = plan.maskWithin(Shape.of(candidates * outputs), bits - 1);
        select = plan.product(BilinearOps.elementwise(), winnerMask, reluMask, 0); // a bit times a value: exact
    }

    @Override
    public Ring128Tensor forward(ComputeParty party, Ring128Tensor x) {
        List<Ring128Tensor> v = Tournament.gatherAll(x, index);
        Ring128Tensor diffs = AllPairsArgmax.differences(pairs, v);
        // the pairs for the sign alone, the candidates with their ReLU: two comparisons whose rounds ride together
        List<Ring128Tensor> both = party.inLanes(List.of(() -> {
            party.compare(beats, party.mask(diffs.reshape(differences.shape()), differences));
            return party.signMonomials(winners);
        }, () -> party.compare(nonNegative, party.mask(Ring128Tensor.concat(v).reshape(values.shape()), values)).relu()));
        Ring128Tensor oneHot = both.get(0);
        Ring128Tensor relus = both.get(1).reshape(Shape.of(candidates * outputs));
        List<MaskedTensor> m = party.maskAll(List.of(oneHot, relus), List.of(winnerMask, reluMask));
        Ring128Tensor chosen = party.multiply(select, m.get(0), m.get(1));
        Ring128Tensor max = chosen.slice(0, Shape.of(outputs));
        for (int i = 1; i < candidates; i++) {
            max = max.add(chosen.slice(i * outputs, Shape.of(outputs)));
        }
        return max.reshape(output);
    }

    @Override
    public Ring128Tensor backward(ComputeParty party, Ring128Tensor delta, boolean inputGradient) {
        throw new UnsupportedOperationException("a max pool fused with its ReLU runs forward only (prediction)");
    }
}
