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
 * one comparison over all its pairs. Alongside, each candidate carries a one-hot share of the
 * positions it won (products of the comparison bits, one round per level after the first), so
 * the backward pass routes the output gradient to the selected position with one product and
 * no further comparison. The float twin plays the same tournament.
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
            private final List<Mask> weightMasks = new ArrayList<>();
            private final List<Mask> bitMasks = new ArrayList<>();
            private final List<Product> weightProducts = new ArrayList<>();
            private Mask deltaMask, selectionMask;
            private Product route;
            private Ring128Tensor[] selection; // per window position, a one-hot share over the outputs

            @Override
            public void declareForward(Plan.Builder plan) {
                for (int l = 0; l < levels.size(); l++) {
                    int pairs = levels.get(l)[1];
                    Mask d = plan.mask(Shape.of(pairs * outputs));
                    diffMasks.add(d);
                    signs.add(plan.sign(d, bits));
                    if (l > 0) { // the winners' positions so far, times the new bits
                        Shape s = Shape.of(positionsInPairs(l) * outputs);
                        Mask w = plan.mask(s);
                        Mask b = plan.mask(s);
                        weightMasks.add(w);
                        bitMasks.add(b);
                        weightProducts.add(plan.product(BilinearOps.elementwise(), w, b, 0));
                    }
                }
            }

            /** How many window positions the candidates of level l's pairs cover together. */
            private int positionsInPairs(int level) {
                int[] cover = coverage(level);
                int n = 0;
                for (int i = 0; i < 2 * levels.get(level)[1]; i++) {
                    n += cover[i];
                }
                return n;
            }

            /** Positions covered by each candidate at the start of level l. */
            private int[] coverage(int level) {
                int[] cover = new int[k * k];
                java.util.Arrays.fill(cover, 1);
                int count = k * k;
                for (int l = 0; l < level; l++) {
                    int next = (count + 1) / 2;
                    int[] c2 = new int[next];
                    for (int i = 0; i < count / 2; i++) {
                        c2[i] = cover[2 * i] + cover[2 * i + 1];
                    }
                    if (count % 2 == 1) {
                        c2[next - 1] = cover[count - 1];
                    }
                    cover = c2;
                    count = next;
                }
                return cover;
            }

            @Override
            public void declareBackward(Plan.Builder plan, boolean inputGradient) {
                if (inputGradient) {
                    deltaMask = plan.mask(input);
                    selectionMask = plan.mask(input);
                    route = plan.product(BilinearOps.elementwise(), deltaMask, selectionMask, 0);
                }
            }

            @Override
            public Ring128Tensor forward(ComputeParty party, Ring128Tensor x) {
                // candidates: value and, per covered window position, a one-hot weight share
                List<Ring128Tensor> values = new ArrayList<>();
                List<List<Integer>> positions = new ArrayList<>();
                List<List<Ring128Tensor>> weights = new ArrayList<>();
                for (int j = 0; j < k * k; j++) {
                    values.add(gather(x, index[j]));
                    positions.add(List.of(j));
                    weights.add(null); // implicitly 1 until the first match
                }
                for (int l = 0; l < levels.size(); l++) {
                    int pairs = values.size() / 2;
                    List<Ring128Tensor> diffs = new ArrayList<>();
                    for (int p = 0; p < pairs; p++) {
                        diffs.add(values.get(2 * p).sub(values.get(2 * p + 1)));
                    }
                    MaskedTensor d = party.mask(Ring128Tensor.concat(diffs), diffMasks.get(l));
                    SecureComparison.Result r = party.compare(signs.get(l), d);
                    // weight updates: A's positions times bit, B's positions minus that
                    List<Ring128Tensor> aTimesBit = new ArrayList<>();
                    if (l > 0) {
                        List<Ring128Tensor> w = new ArrayList<>();
                        List<Ring128Tensor> b = new ArrayList<>();
                        for (int p = 0; p < pairs; p++) {
                            Ring128Tensor bit = r.nonNegative().slice(p * outputs, Shape.of(outputs));
                            for (int side = 0; side < 2; side++) {
                                for (Ring128Tensor wj : weights.get(2 * p + side)) {
                                    w.add(wj);
                                    b.add(bit);
                                }
                            }
                        }
                        List<MaskedTensor> m = party.maskAll(List.of(Ring128Tensor.concat(w), Ring128Tensor.concat(b)),
                                List.of(weightMasks.get(l - 1), bitMasks.get(l - 1)));
                        Ring128Tensor all = party.multiply(weightProducts.get(l - 1), m.get(0), m.get(1));
                        for (int i = 0; i < w.size(); i++) {
                            aTimesBit.add(all.slice(i * outputs, Shape.of(outputs)));
                        }
                    }
                    List<Ring128Tensor> nextValues = new ArrayList<>();
                    List<List<Integer>> nextPositions = new ArrayList<>();
                    List<List<Ring128Tensor>> nextWeights = new ArrayList<>();
                    int used = 0;
                    for (int p = 0; p < pairs; p++) {
                        Ring128Tensor bit = r.nonNegative().slice(p * outputs, Shape.of(outputs));
                        Ring128Tensor relu = r.relu().slice(p * outputs, Shape.of(outputs));
                        nextValues.add(values.get(2 * p + 1).add(relu));
                        List<Integer> pos = new ArrayList<>(positions.get(2 * p));
                        pos.addAll(positions.get(2 * p + 1));
                        nextPositions.add(pos);
                        List<Ring128Tensor> wNext = new ArrayList<>();
                        if (l == 0) { // A wins with the bit, B with 1 - bit
                            wNext.add(bit);
                            wNext.add(party.addPublic(bit.negate(), 1));
                        } else {
                            for (int side = 0; side < 2; side++) {
                                for (Ring128Tensor wj : weights.get(2 * p + side)) {
                                    Ring128Tensor wb = aTimesBit.get(used++);
                                    wNext.add(side == 0 ? wb : wj.sub(wb));
                                }
                            }
                        }
                        nextWeights.add(wNext);
                    }
                    if (values.size() % 2 == 1) {
                        int last = values.size() - 1;
                        nextValues.add(values.get(last));
                        nextPositions.add(positions.get(last));
                        nextWeights.add(weights.get(last) == null
                                ? List.of(party.addPublic(Ring128Tensor.zeros(Shape.of(outputs)), 1)) : weights.get(last));
                    }
                    values = nextValues;
                    positions = nextPositions;
                    weights = nextWeights;
                }
                selection = new Ring128Tensor[k * k];
                for (int i = 0; i < positions.get(0).size(); i++) {
                    selection[positions.get(0).get(i)] = weights.get(0).get(i);
                }
                return values.get(0).reshape(output);
            }

            @Override
            public Ring128Tensor backward(ComputeParty party, Ring128Tensor delta, boolean inputGradient) {
                if (!inputGradient) {
                    return null;
                }
                int n = input.size();
                long[] dHi = new long[n];
                long[] dLo = new long[n];
                long[] sHi = new long[n];
                long[] sLo = new long[n];
                for (int j = 0; j < k * k; j++) {
                    for (int o = 0; o < outputs; o++) {
                        int at = index[j][o];
                        dHi[at] = delta.hi(o);
                        dLo[at] = delta.lo(o);
                        sHi[at] = selection[j].hi(o);
                        sLo[at] = selection[j].lo(o);
                    }
                }
                List<MaskedTensor> m = party.maskAll(List.of(Ring128Tensor.wrap(input, dHi, dLo),
                        Ring128Tensor.wrap(input, sHi, sLo)), List.of(deltaMask, selectionMask));
                return party.multiply(route, m.get(0), m.get(1));
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
