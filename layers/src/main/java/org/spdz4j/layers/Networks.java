package org.spdz4j.layers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The catalogue of named networks: the one place every command and mode (MPC training, split,
 * federated) takes a {@code --network} name from. Each entry is built with the run's activation
 * and 2x2 pooling (its recipe) on 28x28 single-channel images with ten classes; with {@code split}
 * the network is cut after its flattening, the cut split learning uses (bottom: the convolutions,
 * top: the dense layers).
 *
 * <pre>{@code
 * Network net = Networks.build("narrow", new MaxPool2d(2, Relu.DEFAULT_BITS), new Relu(Relu.DEFAULT_BITS), false);
 * Network tutorial = Networks.build("tutorial", Networks.maxPool(), Networks.relu(), true);   // with its split
 * }</pre>
 */
public final class Networks {
    /** A named network: what it is, and how it is built from an activation and a pooling. */
    private interface Recipe {
        Network.Builder build(Layer pooling, Layer activation, boolean split);
    }

    private record Entry(String description, Recipe recipe) {
    }

    private static final Map<String, Entry> CATALOGUE = new LinkedHashMap<>();

    static {
        CATALOGUE.put("narrow", new Entry("conv 1->16 3x3, pool, act, conv 16->32 3x3, pool, act, dense 1568->10 "
                + "(fewest comparisons: the MPC default)", (p, a, s) -> twoConvolutions(16, 32, p, a, s)));
        CATALOGUE.put("seed", new Entry("conv 1->32 3x3, pool, act, conv 32->32 3x3, pool, act, dense 1568->10",
                (p, a, s) -> twoConvolutions(32, 32, p, a, s)));
        CATALOGUE.put("conv64", new Entry("conv 1->32 3x3, pool, act, conv 32->64 3x3, pool, act, dense 3136->10",
                (p, a, s) -> twoConvolutions(32, 64, p, a, s)));
        CATALOGUE.put("small", new Entry("conv 1->4 3x3, pool, act, dense 784->10 (for tests and quick looks)",
                (p, a, s) -> cut(Network.builder().addConv2d(1, 4, 3, 1, 1).add(p).add(a).addFlatten(), s)
                        .addDense(4 * 14 * 14, 10)));
        CATALOGUE.put("tutorial", new Entry("conv 1->32 3x3, batch norm, act, pool, conv 32->64 3x3, batch norm, act, pool, "
                + "dense 1600->128, act, dense 128->10; no padding (the split-learning tutorial's; batch norm: float only)",
                (p, a, s) -> cut(Network.builder().addConv2d(1, 32, 3, 1, 0).addBatchNorm2d(32).add(a).add(p)
                        .addConv2d(32, 64, 3, 1, 0).addBatchNorm2d(64).add(a).add(p).addFlatten(), s)
                        .addDense(1600, 128).add(a).addDense(128, 10)));
        CATALOGUE.put("cnn", new Entry("conv 1->32 3x3, act, conv 32->64 3x3, act, pool, dense 9216->128, act, "
                + "dense 128->10; no padding (the federated tutorials' CNN)",
                (p, a, s) -> cut(Network.builder().addConv2d(1, 32, 3, 1, 0).add(a).addConv2d(32, 64, 3, 1, 0).add(a).add(p)
                        .addFlatten(), s).addDense(64 * 12 * 12, 128).add(a).addDense(128, 10)));
    }

    private Networks() {
    }

    private static Network.Builder cut(Network.Builder b, boolean split) {
        return split ? b.addSplit() : b;
    }

    /** conv 1->{@code first} 3x3, pool, act, conv {@code first}->{@code second} 3x3, pool, act, dense -> 10 (padding 1). */
    private static Network.Builder twoConvolutions(int first, int second, Layer pooling, Layer activation, boolean split) {
        return cut(Network.builder().addConv2d(1, first, 3, 1, 1).add(pooling).add(activation)
                .addConv2d(first, second, 3, 1, 1).add(pooling).add(activation).addFlatten(), split)
                .addDense(second * 7 * 7, 10);
    }

    /** The names, in the order {@code --help} lists them. */
    public static List<String> names() {
        return List.copyOf(CATALOGUE.keySet());
    }

    /** One line per network: its name and its layers, for a command's help. */
    public static String describeAll() {
        StringBuilder s = new StringBuilder();
        CATALOGUE.forEach((name, e) -> s.append(s.length() == 0 ? "" : "; ").append(name).append(": ").append(e.description()));
        return s.toString();
    }

    /**
     * The network called {@code name} with {@code pooling} (2x2) and {@code activation}, cut for
     * split learning if {@code split}; its loss softmax cross-entropy.
     *
     * @throws IllegalArgumentException naming the known networks if there is none of that name
     */
    public static Network build(String name, Layer pooling, Layer activation, boolean split) {
        Entry e = CATALOGUE.get(Objects.requireNonNull(name, "name"));
        if (e == null) {
            throw new IllegalArgumentException("unknown network '" + name + "' (known: " + String.join(", ", names()) + ")");
        }
        return e.recipe().build(Objects.requireNonNull(pooling, "pooling"), Objects.requireNonNull(activation, "activation"),
                split).loss(SoftmaxCrossEntropy.DEFAULT).build();
    }

    /** The activation called {@code name}: relu (exact, by secure comparison) or poly (least-squares quadratic on [-2, 2]). */
    public static Layer activation(String name) {
        return switch (name) {
            case "relu" -> relu();
            case "poly" -> new PolyRelu(2, 2.0);
            default -> throw new IllegalArgumentException("unknown activation '" + name + "' (relu or poly)");
        };
    }

    /** The 2x2 pooling called {@code name}: max (by secure comparison) or avg (local on shares). */
    public static Layer pooling(String name) {
        return switch (name) {
            case "max" -> maxPool();
            case "avg" -> new AvgPool2d(2);
            default -> throw new IllegalArgumentException("unknown pooling '" + name + "' (max or avg)");
        };
    }

    /** Exact ReLU, {@link Relu#DEFAULT_BITS} wide. */
    public static Layer relu() {
        return new Relu(Relu.DEFAULT_BITS);
    }

    /** 2x2 max pooling, {@link Relu#DEFAULT_BITS} wide. */
    public static Layer maxPool() {
        return new MaxPool2d(2, Relu.DEFAULT_BITS);
    }
}
