package org.spdz4j.layers;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The catalogue of named networks, and network files: where every command and mode (MPC
 * training, split, federated) takes its {@code --network} from. A catalogue entry is a network
 * file in this jar ({@code networks/NAME.yaml}), built with the run's activation and 2x2 pooling
 * (its recipe) on 28x28 single-channel images with ten classes; with {@code split} the network is
 * cut after its flattening, the cut split learning uses (bottom: the convolutions, top: the dense
 * layers). Any other {@code --network} is a path to the user's own file in the same format
 * (docs/networks.md).
 *
 * <pre>{@code
 * Network net = Networks.build("narrow", new MaxPool2d(2, Relu.DEFAULT_BITS), new Relu(Relu.DEFAULT_BITS), false);
 * Network tutorial = Networks.build("tutorial", Networks.maxPool(), Networks.relu(), true);   // with its split
 * Network mine = Networks.build("my-net.yaml", Networks.maxPool(), Networks.relu(), false);     // a network file
 * }</pre>
 */
public final class Networks {
    /** The catalogue: each name's one-line description; its layers are in {@code networks/NAME.yaml} beside this class. */
    private static final Map<String, String> CATALOGUE = new LinkedHashMap<>();

    static {
        CATALOGUE.put("narrow", "conv 1->16 3x3, pool, act, conv 16->32 3x3, pool, act, dense 1568->10 "
                + "(fewest comparisons: the MPC default)");
        CATALOGUE.put("seed", "conv 1->32 3x3, pool, act, conv 32->32 3x3, pool, act, dense 1568->10");
        CATALOGUE.put("conv64", "conv 1->32 3x3, pool, act, conv 32->64 3x3, pool, act, dense 3136->10");
        CATALOGUE.put("small", "conv 1->4 3x3, pool, act, dense 784->10 (for tests and quick looks)");
        CATALOGUE.put("tutorial", "conv 1->32 3x3, batch norm, act, pool, conv 32->64 3x3, batch norm, act, pool, "
                + "dense 1600->128, act, dense 128->10; no padding (the split-learning tutorial's; batch norm: float only)");
        CATALOGUE.put("cnn", "conv 1->32 3x3, act, conv 32->64 3x3, act, pool, dense 9216->128, act, "
                + "dense 128->10; no padding (the federated tutorials' CNN)");
    }

    private Networks() {
    }

    /** The names, in the order {@code --help} lists them. */
    public static List<String> names() {
        return List.copyOf(CATALOGUE.keySet());
    }

    /** One line per network: its name and its layers, for a command's help. */
    public static String describeAll() {
        StringBuilder s = new StringBuilder();
        CATALOGUE.forEach((name, e) -> s.append(s.length() == 0 ? "" : "; ").append(name).append(": ").append(e));
        return s.toString();
    }

    /**
     * The network file's text for {@code spec}: the catalogue's file for a catalogue name, else
     * the file at path {@code spec}.
     *
     * @throws IllegalArgumentException when {@code spec} is neither a name of the catalogue nor a readable file
     */
    public static String text(String spec) {
        Objects.requireNonNull(spec, "network");
        if (CATALOGUE.containsKey(spec)) {
            try (InputStream in = Networks.class.getResourceAsStream("networks/" + spec + ".yaml")) {
                return new String(Objects.requireNonNull(in, spec).readAllBytes(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new UncheckedIOException("the catalogue's network " + spec + " cannot be read from the jar", e);
            }
        }
        Path file = Path.of(spec);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("unknown network '" + spec + "': neither a network of the catalogue ("
                    + String.join(", ", names()) + ") nor a network file");
        }
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("network file " + spec + " cannot be read: " + e, e);
        }
    }

    /**
     * {@code spec} as another process (another working directory) finds it: a catalogue name as
     * it is, a file's path made absolute.
     */
    public static String portable(String spec) {
        return CATALOGUE.containsKey(spec) ? spec : Path.of(spec).toAbsolutePath().toString();
    }

    /**
     * The network {@code spec} names (a name of the catalogue or a network file, see
     * docs/networks.md) with {@code pooling} and {@code activation} where it says {@code pool} and
     * {@code activation}, cut for split learning if {@code split}; its loss as the file says
     * (softmax cross-entropy in the catalogue).
     *
     * @throws IllegalArgumentException naming the known networks if there is none of that name,
     *                                  or the file and the layer that is wrong
     */
    public static Network build(String spec, Layer pooling, Layer activation, boolean split) {
        return NetworkFile.parse(text(spec), CATALOGUE.containsKey(spec) ? "network " + spec : spec,
                Objects.requireNonNull(pooling, "pooling"), Objects.requireNonNull(activation, "activation"), split);
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
