package org.spdz4j.layers;

import java.util.List;
import org.spdz4j.core.mpc.ComputeParty;
import org.spdz4j.core.mpc.PlanEntry.Mask;
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
