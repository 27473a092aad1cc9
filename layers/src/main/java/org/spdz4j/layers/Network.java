package org.spdz4j.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.spdz4j.core.ring.Shape;

/**
 * A network's public architecture: layers and loss. From it each party builds its
 * {@link SecureModel} (and from that the dealer plan), and anyone its {@link FloatModel} twin.
 * A network may be cut by {@link Builder#addSplit()} for split learning: its {@link #bottom()}
 * runs at the data holders in plaintext, its {@link #top()} (with the loss) at the label holder or
 * on shares.
 *
 * <pre>{@code
 * Network seed = Network.builder()
 *         .addConv2d(1, 32, 3, 1, 1).addAvgPool2d(2).addPolyRelu(2, 2.0)
 *         .addConv2d(32, 32, 3, 1, 1).addAvgPool2d(2).addPolyRelu(2, 2.0)
 *         .addFlatten().addDense(1568, 10)
 *         .loss(SoftmaxCrossEntropy.DEFAULT)
 *         .build();
 * }</pre>
 */
public final class Network {
    private static final String SPLIT = "split";
    /** The input of one example unless {@link Builder#input} says otherwise: an MNIST image (1, 28, 28). */
    static final Shape MNIST_IMAGE = Shape.of(1, 28, 28);
    private final Shape input;     // one example: (channels, height, width) or (features); null: not declared (MNIST)
    private final List<Layer> layers;
    private final Loss loss;       // null for a bottom segment
    private final int splitAt;     // layers before the cut, -1 when not split

    private Network(Shape input, List<Layer> layers, Loss loss, int splitAt) {
        this.input = input;
        this.layers = Collections.unmodifiableList(new ArrayList<>(layers));
        this.loss = loss;
        this.splitAt = splitAt;
    }

    /** An empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** The seed tutorial's MNIST CNN with the given activation (average pooling). */
    public static Network seed(PolyRelu activation) {
        return seed(new AvgPool2d(2), activation);
    }

    /** The seed tutorial's MNIST CNN with the given 2x2 pooling and activation (pooling first). */
    public static Network seed(Layer pooling, Layer activation) {
        return Networks.build("seed", pooling, activation, false);
    }

    /**
     * The seed network with 64 channels in the second convolution (conv 1->32 3x3, pool, act,
     * conv 32->64 3x3, pool, act, dense 3136->10): the max-pool network of the comparison issue.
     */
    public static Network conv64(Layer pooling, Layer activation) {
        return Networks.build("conv64", pooling, activation, false);
    }

    /**
     * The seed network with 16 channels in the first convolution (conv 1->16 3x3, pool, act,
     * conv 16->32 3x3, pool, act, dense 1568->10): with max pooling and exact ReLU it compares
     * 18,816 values per image instead of the seed network's 31,360, which keeps the dealer's
     * correlated randomness per step within 3x of the polynomial seed network's.
     */
    public static Network narrow(Layer pooling, Layer activation) {
        return Networks.build("narrow", pooling, activation, false);
    }


    /** The same layers with another loss. */
    public Network withLoss(Loss l) {
        return new Network(input, layers, l, splitAt);
    }

    /** Whether {@link Builder#addSplit()} cut this network. */
    public boolean isSplit() {
        return splitAt >= 0;
    }

    /** The layers before the split, without a loss: what a data holder trains in plaintext. */
    public Network bottom() {
        return new Network(input, layers.subList(0, requireSplit()), null, -1);
    }

    /** The layers after the split with the loss: what the label holder (or P0 and P1 on shares) trains. */
    public Network top() {
        Shape cut = null;
        if (input != null) {
            Network bottom = bottom();
            int[] dims = bottom.outputShape(bottom.batchShape(1)).dims();
            cut = Shape.of(java.util.Arrays.copyOfRange(dims, 1, dims.length));
        }
        return new Network(cut, layers.subList(requireSplit(), layers.size()), loss, -1);
    }

    private int requireSplit() {
        if (splitAt < 0) {
            throw new IllegalStateException("the network has no split (Network.Builder.addSplit): " + describe());
        }
        return splitAt;
    }

    /** The layers as declared. */
    public List<Layer> layers() {
        return layers;
    }

    /** The loss; null for a {@link #bottom()} segment. */
    public Loss loss() {
        return loss;
    }

    /** The layers a mode runs: optimized fuses each convolution with the average pooling after it. */
    List<Layer> layersFor(Mode mode) {
        if (mode == Mode.BASELINE) {
            return layers;
        }
        List<Layer> out = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) instanceof Conv2d c && c.pool() == 1 && i + 1 < layers.size()
                    && layers.get(i + 1) instanceof AvgPool2d p && p.k() <= 4) {
                out.add(c.withPool(p.k()));
                i++;
            } else {
                out.add(layers.get(i));
            }
        }
        return out;
    }

    /** The input of one example: (channels, height, width) for images, (features) for tabular data. */
    public Shape input() {
        return input == null ? MNIST_IMAGE : input;
    }

    /** The number of outputs of one example: the classes of a classifier (the last layer's width). */
    public int outputs() {
        return outputShape(batchShape(1)).dim(1);
    }

    /** The input of a batch of {@code n} examples: (n, channels, height, width) or (n, features). */
    public Shape batchShape(int n) {
        int[] one = input().dims();
        int[] dims = new int[one.length + 1];
        dims[0] = n;
        System.arraycopy(one, 0, dims, 1, one.length);
        return Shape.of(dims);
    }

    /**
     * Shape of the logits for a batch of the given shape, checking every layer on the way.
     *
     * @throws IllegalArgumentException naming the first layer that does not fit (its position,
     *                                  what it is) with the shape it got and what it expects
     */
    public Shape outputShape(Shape input) {
        Shape s = input;
        for (int i = 0; i < layers.size(); i++) {
            try {
                s = layers.get(i).outputShape(s);
            } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
                throw new IllegalArgumentException("layer " + (i + 1) + " (" + layers.get(i).describe() + ") gets "
                        + s + (i == 0 ? " (the input)" : " from layer " + i + " (" + layers.get(i - 1).describe() + ")")
                        + " and cannot take it: " + e.getMessage(), e);
            }
        }
        return s;
    }

    /**
     * Refuses a network with a layer that runs in plaintext only (batch norm, dropout) before
     * anything runs on shares: {@code where} says what would compute it ("MPC training", "the
     * secure top").
     *
     * @throws IllegalArgumentException naming the layer and what to do
     */
    public void requireComputableOnShares(String where) {
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            if (l instanceof BatchNorm2d || l instanceof Dropout) {
                throw new IllegalArgumentException("layer " + (i + 1) + " (" + l.describe() + ") runs only in plaintext "
                        + "and cannot be computed on shares in " + where + ": remove it, or train with split learning "
                        + "and place it below the split (at the data holders), or with federated learning");
            }
        }
    }

    /**
     * The network {@link #describe()} wrote: how a model file, a share file or a peer names an
     * architecture; refused naming what does not parse.
     */
    public static Network parseDescription(String description) {
        return NetworkDescription.parse(description);
    }

    /** Canonical description: part of the plan name, so parties with other networks disagree on the plan hash. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        if (input != null && !input.equals(MNIST_IMAGE)) {
            b.append("input(").append(java.util.Arrays.stream(input.dims()).mapToObj(Integer::toString)
                    .collect(java.util.stream.Collectors.joining(","))).append(") ");
        }
        for (int i = 0; i < layers.size(); i++) {
            b.append(i == splitAt ? SPLIT + " " : "").append(layers.get(i).describe()).append(' ');
        }
        return loss == null ? b.toString().trim() : b.append(loss.describe()).toString();
    }

    /** Builds a network layer by layer. */
    public static final class Builder {
        private final List<Layer> layers = new ArrayList<>();
        private Shape input;
        private Loss loss = SoftmaxCrossEntropy.DEFAULT;
        private int splitAt = -1;

        /**
         * The input of one example: {@code (channels, height, width)} for images, {@code (features)}
         * for tabular data; (1, 28, 28), an MNIST image, unless set.
         */
        public Builder input(int... dims) {
            if (dims.length != 1 && dims.length != 3) {
                throw new IllegalArgumentException("an input is (channels, height, width) or (features), not "
                        + java.util.Arrays.toString(dims));
            }
            for (int d : dims) {
                if (d <= 0) {
                    throw new IllegalArgumentException("input dimensions must be positive: " + java.util.Arrays.toString(dims));
                }
            }
            this.input = Shape.of(dims.clone());
            return this;
        }

        /** Appends {@code layer}. */
        public Builder add(Layer layer) {
            layers.add(layer);
            return this;
        }

        /** Appends a convolution with {@code out} kernels of {@code kernel} x {@code kernel} over {@code in} channels. */
        public Builder addConv2d(int in, int out, int kernel, int stride, int padding) {
            return add(new Conv2d(in, out, kernel, stride, padding, 1));
        }

        /** Appends k x k average pooling, stride k. */
        public Builder addAvgPool2d(int k) {
            return add(new AvgPool2d(k));
        }

        /** Appends the least-squares polynomial ReLU of {@code degree} on [-a, a]. */
        public Builder addPolyRelu(int degree, double a) {
            return add(new PolyRelu(degree, a));
        }

        /** Max pooling over {@code k x k} windows by secure comparison, {@link Relu#DEFAULT_BITS} wide. */
        public Builder addMaxPool2d(int k) {
            return add(new MaxPool2d(k, Relu.DEFAULT_BITS));
        }

        /** Exact ReLU by secure comparison, {@link Relu#DEFAULT_BITS} wide. */
        public Builder addRelu() {
            return add(new Relu(Relu.DEFAULT_BITS));
        }

        /** Appends a flattening to (N, features). */
        public Builder addFlatten() {
            return add(new Flatten());
        }

        /** Appends a dense layer from {@code in} to {@code out} features. */
        public Builder addDense(int in, int out) {
            return add(new Dense(in, out));
        }

        /**
         * Cuts the network here for split learning: the layers so far are the bottom, those
         * after it and the loss the top. At most one split, with layers on both sides.
         */
        public Builder addSplit() {
            if (splitAt >= 0) {
                throw new IllegalStateException("a network has at most one split");
            }
            if (layers.isEmpty()) {
                throw new IllegalStateException("a split needs bottom layers before it");
            }
            splitAt = layers.size();
            return this;
        }

        /** Appends inverted dropout with probability {@code p} (plaintext training only). */
        public Builder addDropout(double p) {
            return add(new Dropout(p));
        }

        /** Appends batch normalisation over {@code channels} channels (plaintext training only). */
        public Builder addBatchNorm2d(int channels) {
            return add(new BatchNorm2d(channels));
        }

        /** Sets the loss (softmax cross-entropy unless set). */
        public Builder loss(Loss l) {
            this.loss = l;
            return this;
        }

        /** The network. */
        public Network build() {
            if (layers.isEmpty()) {
                throw new IllegalStateException("a network needs at least one layer");
            }
            if (splitAt == layers.size()) {
                throw new IllegalStateException("a split needs top layers after it");
            }
            Network n = new Network(input, layers, loss, splitAt);
            if (input != null) {
                n.outputShape(n.batchShape(1));   // every layer fits what it gets, or the layer is named
            }
            return n;
        }
    }
}
