package org.spdz4j.layers;

import java.util.List;
import org.spdz4j.core.mpc.BilinearOps;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.MaskedTensor;
import org.spdz4j.core.mpc.PlanEntry.Mask;
import org.spdz4j.core.mpc.PlanEntry.Product;
import org.spdz4j.core.mpc.PlanEntry.Sign;
import org.spdz4j.core.mpc.SecureComparison;
import org.spdz4j.core.ring.Ring128Tensor;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.triples.Plan;

/**
 * Max pooling over non-overlapping {@code k x k} windows (stride k) by a tournament of secure
 * comparisons: positions {@code 0 .. k^2-1} of each window (row-major) meet in pairs, level by
 * level, the lower position winning ties; {@code max(a, b) = b + relu(a - b)}. Each level is
 * one comparison over all its pairs. The backward pass walks the tournament down, reusing the
 * forward comparison bits: a winner's gradient goes to A times the bit and to B the rest, one
 * product (one round) per level and no further comparison. The float twin plays the same
 * tournament. Where H or W is not a multiple of k, the rows and columns past the last whole
 * window are left out (PyTorch's floor mode: 11 x 11 pools to 5 x 5) and get a zero gradient.
 *
 * <pre>{@code
 * Network net = Network.builder().addConv2d(1, 32, 3, 1, 1).addRelu().addMaxPool2d(2)...;
 * }</pre>
 *
 * @param k    window size and stride
 * @param bits comparison width (see {@link Relu})
 */
public record MaxPool2d(int k, int bits) implements Layer {

    /** Checks the window and the width. */
    public MaxPool2d {
        if (k < 2) {
            throw new IllegalArgumentException("max-pooling window must be at least 2, got " + k);
        }
        if (bits < 2 || bits > 127) {
            throw new IllegalArgumentException("max-pooling comparison width must be 2..127 bits, got " + bits);
        }
    }

    @Override
    public Shape outputShape(Shape input) {
        if (input.rank() != 4 || input.dim(2) < k || input.dim(3) < k) {
            throw new IllegalArgumentException("max pooling " + k + "x" + k + " needs (N, C, H, W) with H and W at least "
                    + k + ", got " + input);
        }
        return Shape.of(input.dim(0), input.dim(1), input.dim(2) / k, input.dim(3) / k);
    }

    @Override
    public String describe() {
        return "maxpool2d(" + k + ",k=" + bits + ")";
    }

    /** index[j][o]: the input position of window position j of output o. */
    private int[][] windows(Shape input) {
        Shape out = outputShape(input);
        int oh = out.dim(2);
        int ow = out.dim(3);
        int h = input.dim(2);
        int w = input.dim(3);
        int outputs = out.size();
        int[][] index = new int[k * k][outputs];
        for (int o = 0; o < outputs; o++) {
            int x = o % ow;
            int y = (o / ow) % oh;
            int plane = o / (ow * oh);
            for (int dy = 0; dy < k; dy++) {
                for (int dx = 0; dx < k; dx++) {
                    index[dy * k + dx][o] = (plane * h + y * k + dy) * w + x * k + dx;
                }
            }
        }
        return index;
    }

    @Override
    public SecureLayer secure(Shape input, SecureSetup setup) {
        Shape output = outputShape(input);
        int outputs = output.size();
        int[][] index = windows(input);
        Tournament tournament = new Tournament(k * k, outputs, bits);
        return new SecureLayer.OpeningOutputGradient() {
            private Mask openedInput; // the input gradient's derived mask, when the layer below opens it

            @Override
            public void declareForward(Plan.Builder plan) {
                tournament.declareMax(plan, setup.rangeCheck());
            }

            @Override
            public void declareBackward(Plan.Builder plan, boolean inputGradient, Mask opened, boolean openInputGradient) {
                if (inputGradient) {
                    Mask routed = tournament.declareRoute(plan, opened, openInputGradient);
                    openedInput = routed == null ? null
                            : plan.derive(input, List.of(routed), Tournament.scatterMap(index, input), null);
                }
            }

            @Override
            public Mask openedInputGradient() {
                return openedInput;
            }

            @Override
            public Ring128Tensor forward(ComputeParty party, Ring128Tensor x) {
                return tournament.max(party, Tournament.gatherAll(x, index)).reshape(output);
            }

            @Override
            public Ring128Tensor backward(ComputeParty party, Ring128Tensor delta, boolean inputGradient) {
                if (!inputGradient) {
                    return null;
                }
                Tournament.Routed routed = tournament.route(party, delta);
                return openedInput == null ? Tournament.scatterAll(routed.share(), index, input)
                        : party.derive(openedInput, List.of(routed.opened())).share();
            }
        };
    }

    /**
     * This pool and the ReLU after it, forward only (private prediction; see
     * {@link SecureLayers#forInference}). With {@code allPairs}, for windows of up to
     * {@value AllPairsPoolRelu#MAX_CANDIDATES} positions, every pair and every position compared at
     * once ({@link AllPairsPoolRelu}: 5 rounds for a 2x2 window). Otherwise a tournament:
     * {@code relu(max) = max(w1, w2, 0)} for its last pair, so its last level and the ReLU's
     * comparison are one, {@code w1 - w2}, {@code w1} and {@code w2} compared at once, then
     * {@code relu(w2) + [w1 >= w2] (relu(w1) - relu(w2))}, one product: 9 rounds for a 2x2 window
     * where the two layers took 12, for one comparison more per pooled value. Either gives the
     * same values as the two layers bit for bit (every step exact: no truncation).
     *
     * @param relu     the ReLU after this pool; it must compare at this pool's width
     * @param allPairs all pairs at once where the window allows it, else the tournament
     */
    SecureLayer secureWithRelu(Shape input, Relu relu, boolean allPairs) {
        if (relu.bits() != bits) {
            throw new IllegalArgumentException("a max pool of " + bits + "-bit comparisons fuses only with a ReLU of the "
                    + "same width, not " + relu.bits());
        }
        Shape output = outputShape(input);
        int outputs = output.size();
        int[][] index = windows(input);
        if (allPairs && k * k <= AllPairsPoolRelu.MAX_CANDIDATES) {
            return new AllPairsPoolRelu(index, output, bits);
        }
        Tournament tournament = new Tournament(k * k, outputs, bits, 2);
        return new SecureLayer() {
            private Mask lastMask; // the last pair's difference and both of its values
            private Sign last;
            private Mask bitMask;
            private Mask differenceMask;
            private Product select;

            @Override
            public void declareForward(Plan.Builder plan) {
                tournament.declareMax(plan, null);
                lastMask = plan.maskWithin(Shape.of(3, outputs), bits - 1); // the comparison's exact range
                last = plan.sign(lastMask, bits);
                bitMask = plan.maskWithin(Shape.of(outputs), 1);
                differenceMask = plan.maskWithin(Shape.of(outputs), bits - 1);
                select = plan.product(BilinearOps.elementwise(), bitMask, differenceMask, 0); // a bit times a value: exact
            }

            @Override
            public Ring128Tensor forward(ComputeParty party, Ring128Tensor x) {
                List<Ring128Tensor> pair = tournament.knockOut(party, Tournament.gatherAll(x, index));
                Ring128Tensor w1 = pair.get(0);
                Ring128Tensor w2 = pair.get(1);
                SecureComparison.Result r = party.compare(last, party.mask(Ring128Tensor.concat(List.of(w1.sub(w2), w1, w2))
                        .reshape(Shape.of(3, outputs)), lastMask));
                Ring128Tensor firstWins = r.nonNegative().reshape(Shape.of(3 * outputs)).slice(0, Shape.of(outputs));
                Ring128Tensor relus = r.relu().reshape(Shape.of(3 * outputs));
                Ring128Tensor relu1 = relus.slice(outputs, Shape.of(outputs));
                Ring128Tensor relu2 = relus.slice(2 * outputs, Shape.of(outputs));
                List<MaskedTensor> m = party.maskAll(List.of(firstWins, relu1.sub(relu2)), List.of(bitMask, differenceMask));
                return relu2.add(party.multiply(select, m.get(0), m.get(1))).reshape(output);
            }

            @Override
            public Ring128Tensor backward(ComputeParty party, Ring128Tensor delta, boolean inputGradient) {
                throw new UnsupportedOperationException("a max pool fused with its ReLU runs forward only (prediction)");
            }
        };
    }

    @Override
    public FloatLayer twin(Shape input, Initializer init) {
        Shape output = outputShape(input);
        int[][] index = windows(input);
        return new FloatLayer() {
            private int[] selected; // input position chosen for each output

            @Override
            public FloatTensor forward(FloatTensor x) {
                double[] v = x.values();
                int outputs = output.size();
                double[] out = new double[outputs];
                selected = new int[outputs];
                double[] window = new double[k * k];
                for (int o = 0; o < outputs; o++) {
                    for (int j = 0; j < k * k; j++) {
                        window[j] = v[index[j][o]];
                    }
                    selected[o] = index[Tournament.winner(window)][o];
                    out[o] = v[selected[o]];
                }
                return new FloatTensor(output, out);
            }

            @Override
            public FloatTensor backward(FloatTensor delta) {
                double[] out = new double[input.size()];
                for (int o = 0; o < selected.length; o++) {
                    out[selected[o]] += delta.values()[o];
                }
                return new FloatTensor(input, out);
            }
        };
    }
}
