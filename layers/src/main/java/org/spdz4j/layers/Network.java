package org.spdz4j.layers;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.spdz4j.core.ring.Shape;

/**
 * A network's public architecture: layers and loss. From it each party builds its
 * {@link SecureModel} (and from that the dealer plan), and anyone its {@link FloatModel} twin.
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
    private final List<Layer> layers;
    private final Loss loss;

    private Network(List<Layer> layers, Loss loss) {
        this.layers = Collections.unmodifiableList(new ArrayList<>(layers));
        this.loss = loss;
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
        return builder()
                .addConv2d(1, 32, 3, 1, 1).add(pooling).add(activation)
                .addConv2d(32, 32, 3, 1, 1).add(pooling).add(activation)
                .addFlatten().addDense(1568, 10)
                .loss(SoftmaxCrossEntropy.DEFAULT)
                .build();
    }

    /** The same layers with another loss. */
    public Network withLoss(Loss l) {
        return new Network(layers, l);
    }

    /** The layers as declared. */
    public List<Layer> layers() {
        return layers;
    }

    /** The loss. */
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

    /** Shape of the logits for a batch of the given shape, checking every layer on the way. */
    public Shape outputShape(Shape input) {
        Shape s = input;
        for (Layer l : layers) {
            s = l.outputShape(s);
        }
        return s;
    }

    /** Canonical description: part of the plan name, so parties with other networks disagree on the plan hash. */
    public String describe() {
        StringBuilder b = new StringBuilder();
        for (Layer l : layers) {
            b.append(l.describe()).append(' ');
        }
        return b.append(loss.describe()).toString();
    }

    /** Builds a network layer by layer. */
    public static final class Builder {
        private final List<Layer> layers = new ArrayList<>();
        private Loss loss = SoftmaxCrossEntropy.DEFAULT;

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
            return new Network(layers, loss);
        }
    }
}
