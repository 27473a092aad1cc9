package org.spdz4j.layers;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;

/**
 * A network described in YAML in the builder's vocabulary: what {@code --network FILE} reads and
 * what the catalogue's networks are ({@code networks/NAME.yaml} in this jar). The format, layer
 * by layer, is in docs/networks.md:
 * <pre>
 * input: [1, 28, 28]            # channels, height, width; or [features] for tabular data
 * layers:
 *   - conv2d: {in: 1, out: 16, kernel: 3, padding: 1}     # stride 1 unless given
 *   - pool                      # the run's --pool (2x2 max or average)
 *   - activation                # the run's --activation (exact ReLU or the polynomial)
 *   - flatten
 *   - split                     # the cut for split learning; ignored elsewhere
 *   - dense: {in: 3136, out: 10}
 * loss: cross_entropy           # or mse
 * </pre>
 * Concrete layers: {@code relu}, {@code poly_relu: {degree, a}}, {@code max_pool2d: {kernel}},
 * {@code avg_pool2d: {kernel}}, {@code batchnorm2d: {channels}}, {@code dropout: {p}}. An unknown
 * layer or key, a missing value, and a layer that does not fit the shape it gets are refused
 * naming the layer.
 */
final class NetworkFile {
    private NetworkFile() {
    }

    /**
     * The network {@code text} describes ({@code source} names it in errors), with the run's
     * {@code pooling} and {@code activation} where it says {@code pool} and {@code activation},
     * cut where it says {@code split} if {@code split}.
     *
     * @throws IllegalArgumentException naming {@code source} and the layer that is wrong
     */
    static Network parse(String text, String source, Layer pooling, Layer activation, boolean split) {
        Object doc;
        try {
            doc = new Yaml(new SafeConstructor(new LoaderOptions())).load(text);
        } catch (YAMLException e) {
            throw new IllegalArgumentException(source + " is not valid YAML: " + e.getMessage(), e);
        }
        if (!(doc instanceof Map<?, ?> top)) {
            throw new IllegalArgumentException(source + ": a network file is a mapping with input, layers and loss");
        }
        unknownKeys(top, Set.of("input", "layers", "loss"), source);
        Network.Builder b = Network.builder();
        b.input(input(top.get("input"), source));
        if (!(top.get("layers") instanceof List<?> layers) || layers.isEmpty()) {
            throw new IllegalArgumentException(source + ": 'layers' must be a list of at least one layer");
        }
        boolean cut = false;
        for (int i = 0; i < layers.size(); i++) {
            String where = source + ", layer " + (i + 1);
            Object entry = layers.get(i);
            String kind;
            Map<?, ?> args;
            if (entry instanceof String s) {
                kind = s;
                args = Map.of();
            } else if (entry instanceof Map<?, ?> m && m.size() == 1) {
                Map.Entry<?, ?> e = m.entrySet().iterator().next();
                kind = String.valueOf(e.getKey());
                args = e.getValue() instanceof Map<?, ?> a ? a : Map.of("kernel", e.getValue());
            } else {
                throw new IllegalArgumentException(where + ": a layer is a name (relu) or a name with its settings "
                        + "(conv2d: {in: 1, out: 16, kernel: 3}), not " + entry);
            }
            try {
                if (kind.equals("split")) {
                    cut = true;
                    if (split) {
                        b.addSplit();
                    }
                    continue;
                }
                b.add(layer(kind, args, pooling, activation, where));
            } catch (IllegalStateException e) {
                throw new IllegalArgumentException(where + " (" + kind + "): " + e.getMessage(), e);
            }
        }
        if (split && !cut) {
            throw new IllegalArgumentException(source + " has no 'split' layer: split learning needs one where the "
                    + "network is cut (usually after 'flatten')");
        }
        b.loss(loss(top.get("loss"), source));
        try {
            return b.build();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static int[] input(Object value, String source) {
        if (!(value instanceof List<?> dims) || (dims.size() != 1 && dims.size() != 3)) {
            throw new IllegalArgumentException(source + ": 'input' must be [channels, height, width] or [features], not "
                    + value);
        }
        int[] out = new int[dims.size()];
        for (int i = 0; i < out.length; i++) {
            if (!(dims.get(i) instanceof Integer v) || v <= 0) {
                throw new IllegalArgumentException(source + ": 'input' needs positive whole numbers, not " + value);
            }
            out[i] = (Integer) dims.get(i);
        }
        return out;
    }

    private static Loss loss(Object value, String source) {
        String name = value == null ? "cross_entropy" : String.valueOf(value);
        return switch (name) {
            case "cross_entropy" -> SoftmaxCrossEntropy.DEFAULT;
            case "mse" -> new MeanSquaredError();
            default -> throw new IllegalArgumentException(source + ": unknown loss '" + name + "' (cross_entropy or mse)");
        };
    }

    /** Each layer's settings; the layers not named take none. */
    private static final Map<String, Set<String>> SETTINGS = Map.of(
            "conv2d", Set.of("in", "out", "kernel", "stride", "padding", "bias"), "dense", Set.of("in", "out"),
            "relu", Set.of("bits"), "poly_relu", Set.of("degree", "a"), "max_pool2d", Set.of("kernel", "bits"),
            "avg_pool2d", Set.of("kernel"), "batchnorm2d", Set.of("channels"), "dropout", Set.of("p"));

    private static Layer layer(String kind, Map<?, ?> args, Layer pooling, Layer activation, String where) {
        if (!SETTINGS.containsKey(kind) && !Set.of("pool", "activation", "flatten").contains(kind)) {
            throw new IllegalArgumentException(where + ": unknown layer '" + kind + "' (known: conv2d, "
                    + "batchnorm2d, relu, poly_relu, max_pool2d, avg_pool2d, flatten, split, dense, dropout, and pool "
                    + "and activation for the run's --pool and --activation)");
        }
        Settings s = new Settings(args, where + " (" + kind + ")");
        unknownKeys(args, SETTINGS.getOrDefault(kind, Set.of()), where + " (" + kind + ")");
        Layer l = switch (kind) {
            case "pool" -> pooling;
            case "activation" -> activation;
            case "conv2d" -> new Conv2d(s.integer("in", -1), s.integer("out", -1), s.integer("kernel", -1),
                    s.integer("stride", 1), s.integer("padding", 0), 1, s.flag("bias"));
            case "dense" -> new Dense(s.integer("in", -1), s.integer("out", -1));
            case "relu" -> new Relu(s.comparisonBits());
            case "poly_relu" -> new PolyRelu(s.integer("degree", 2), s.number("a", 2.0));
            case "max_pool2d" -> new MaxPool2d(s.integer("kernel", 2), s.comparisonBits());
            case "avg_pool2d" -> new AvgPool2d(s.integer("kernel", 2));
            case "batchnorm2d" -> new BatchNorm2d(s.integer("channels", -1));
            case "dropout" -> new Dropout(s.number("p", -1));
            case "flatten" -> new Flatten();
            default -> throw new IllegalStateException("no case for " + kind);
        };
        return l;
    }

    /** A layer's settings, read by name and type. */
    private static final class Settings {
        private final Map<?, ?> args;
        private final String where;

        Settings(Map<?, ?> args, String where) {
            this.args = args;
            this.where = where;
        }

        int integer(String key, int absent) {
            Object v = value(key, absent);
            if (!(v instanceof Integer i)) {
                throw new IllegalArgumentException(where + ": '" + key + "' must be a whole number, not " + v);
            }
            return i;
        }

        /** A comparison's width, {@code bits}: 2 to 127, {@link Relu#DEFAULT_BITS} when absent. */
        int comparisonBits() {
            int bits = integer("bits", Relu.DEFAULT_BITS);
            if (bits < 2 || bits > 127) {
                throw new IllegalArgumentException(where + ": 'bits' (the comparison's width) must be 2 to 127, not " + bits);
            }
            return bits;
        }

        boolean flag(String key) {
            Object v = args.get(key);
            if (v != null && !(v instanceof Boolean)) {
                throw new IllegalArgumentException(where + ": '" + key + "' must be true or false, not " + v);
            }
            return Boolean.TRUE.equals(v);
        }

        double number(String key, double absent) {
            Object v = value(key, absent);
            if (!(v instanceof Number n)) {
                throw new IllegalArgumentException(where + ": '" + key + "' must be a number, not " + v);
            }
            return n.doubleValue();
        }

        private Object value(String key, Object absent) {
            Object v = args.get(key);
            if (v == null) {
                if (absent instanceof Number n && n.doubleValue() == -1) {
                    throw new IllegalArgumentException(where + " needs '" + key + "'");
                }
                return absent;
            }
            return v;
        }
    }

    private static void unknownKeys(Map<?, ?> map, Set<String> known, String where) {
        for (Object k : map.keySet()) {
            if (!known.contains(String.valueOf(k))) {
                throw new IllegalArgumentException(where + ": unknown setting '" + k + "'"
                        + (known.isEmpty() ? " (it takes none)" : " (known: " + String.join(", ", new java.util.TreeSet<>(known)) + ")"));
            }
        }
    }
}
