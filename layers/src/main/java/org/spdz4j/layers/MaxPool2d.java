package org.spdz4j.layers;

import java.util.ArrayList;
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
 * tournament.
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
        if (input.rank() != 4 || input.dim(2) % k != 0 || input.dim(3) % k != 0) {
            throw new IllegalArgumentException("max pooling " + k + "x" + k + " needs (N, C, H, W) with H and W divisible by "
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

    /** The matches of each level: pairs of candidate indices into that level's list. */
    private List<int[]> levelSizes() {
        List<int[]> levels = new ArrayList<>(); // {candidates, pairs}
        for (int count = k * k; count > 1; count = (count + 1) / 2) {
            levels.add(new int[]{count, count / 2});
        }
        return levels;
    }

    private static Ring128Tensor gather(Ring128Tensor x, int[] index) {
        long[] hi = new long[index.length];
        long[] lo = new long[index.length];
        for (int i = 0; i < index.length; i++) {
            hi[i] = x.hi(index[i]);
            lo[i] = x.lo(index[i]);
        }
        return Ring128Tensor.wrap(Shape.of(index.length), hi, lo);
    }

    @Override
    public SecureLayer secure(Shape input, SecureSetup setup) {
        Shape output = outputShape(input);
        int outputs = output.size();
        int[][] index = windows(input);
        List<int[]> levels = levelSizes();
        return new SecureLayer() {
            private final List<Mask> diffMasks = new ArrayList<>();
            private final List<Sign> signs = new ArrayList<>();
            private final List<Mask> deltaMasks = new ArrayList<>();   // backward, top level first
            private final List<Mask> bitMasks = new ArrayList<>();
            private final List<Product> routes = new ArrayList<>();
            private final List<Ring128Tensor> won = new ArrayList<>(); // per level: [A >= B] of its pairs

            @Override
            public void declareForward(Plan.Builder plan) {
                for (int[] level : levels) {
                    Mask d = plan.mask(Shape.of(level[1] * outputs));
                    diffMasks.add(d);
                    signs.add(plan.sign(d, bits));
                }
            }

            @Override
            public void declareBackward(Plan.Builder plan, boolean inputGradient) {
                if (!inputGradient) {
                    return;
                }
                for (int l = levels.size() - 1; l >= 0; l--) {
                    Shape s = Shape.of(levels.get(l)[1] * outputs);
                    Mask d = plan.mask(s);
                    Mask b = plan.mask(s);
                    deltaMasks.add(d);
                    bitMasks.add(b);
                    routes.add(plan.product(BilinearOps.elementwise(), d, b, 0)); // the bit is 0 or 1, not scaled
                }
            }

            @Override
            public Ring128Tensor forward(ComputeParty party, Ring128Tensor x) {
                List<Ring128Tensor> values = new ArrayList<>();
                for (int j = 0; j < k * k; j++) {
                    values.add(gather(x, index[j]));
                }
                won.clear();
                for (int l = 0; l < levels.size(); l++) {
                    int pairs = levels.get(l)[1];
                    List<Ring128Tensor> diffs = new ArrayList<>();
                    for (int p = 0; p < pairs; p++) {
                        diffs.add(values.get(2 * p).sub(values.get(2 * p + 1)));
                    }
                    SecureComparison.Result r = party.compare(signs.get(l),
                            party.mask(Ring128Tensor.concat(diffs), diffMasks.get(l)));
                    won.add(r.nonNegative());
                    List<Ring128Tensor> next = new ArrayList<>();
                    for (int p = 0; p < pairs; p++) { // max(a, b) = b + relu(a - b)
                        next.add(values.get(2 * p + 1).add(r.relu().slice(p * outputs, Shape.of(outputs))));
                    }
                    if (values.size() % 2 == 1) {
                        next.add(values.get(values.size() - 1));
                    }
                    values = next;
                }
                return values.get(0).reshape(output);
            }

            @Override
            public Ring128Tensor backward(ComputeParty party, Ring128Tensor delta, boolean inputGradient) {
                if (!inputGradient) {
                    return null;
                }
                // down the tournament: a winner's gradient goes to A times the bit, to B the rest
                List<Ring128Tensor> grads = List.of(delta.reshape(Shape.of(outputs)));
                for (int l = levels.size() - 1, i = 0; l >= 0; l--, i++) {
                    int candidates = levels.get(l)[0];
                    int pairs = levels.get(l)[1];
                    List<Ring128Tensor> winners = grads.subList(0, pairs);
                    List<MaskedTensor> m = party.maskAll(List.of(Ring128Tensor.concat(winners), won.get(l)),
                            List.of(deltaMasks.get(i), bitMasks.get(i)));
                    Ring128Tensor toA = party.multiply(routes.get(i), m.get(0), m.get(1));
                    List<Ring128Tensor> below = new ArrayList<>();
                    for (int p = 0; p < pairs; p++) {
                        Ring128Tensor a = toA.slice(p * outputs, Shape.of(outputs));
                        below.add(a);
                        below.add(winners.get(p).sub(a));
                    }
                    if (candidates % 2 == 1) {
                        below.add(grads.get(pairs));
                    }
                    grads = below;
                }
                long[] hi = new long[input.size()];
                long[] lo = new long[input.size()];
                for (int j = 0; j < k * k; j++) {
                    Ring128Tensor g = grads.get(j);
                    for (int o = 0; o < outputs; o++) {
                        hi[index[j][o]] = g.hi(o);
                        lo[index[j][o]] = g.lo(o);
                    }
                }
                return Ring128Tensor.wrap(input, hi, lo);
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
                for (int o = 0; o < outputs; o++) {
                    List<Integer> candidates = new ArrayList<>();
                    for (int j = 0; j < k * k; j++) {
                        candidates.add(index[j][o]);
                    }
                    while (candidates.size() > 1) { // the secure tournament: pairs in order, the first wins ties
                        List<Integer> next = new ArrayList<>();
                        for (int p = 0; p + 1 < candidates.size(); p += 2) {
                            int a = candidates.get(p);
                            int b = candidates.get(p + 1);
                            next.add(v[a] - v[b] >= 0 ? a : b);
                        }
                        if (candidates.size() % 2 == 1) {
                            next.add(candidates.get(candidates.size() - 1));
                        }
                        candidates = next;
                    }
                    selected[o] = candidates.get(0);
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
