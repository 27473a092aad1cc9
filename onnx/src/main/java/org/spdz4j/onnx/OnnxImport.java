package org.spdz4j.onnx;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.spdz4j.layers.AvgPool2d;
import org.spdz4j.layers.BatchNorm2d;
import org.spdz4j.layers.Conv2d;
import org.spdz4j.layers.Dense;
import org.spdz4j.layers.Flatten;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.Layer;
import org.spdz4j.layers.MaxPool2d;
import org.spdz4j.layers.ModelFile;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Relu;
import org.spdz4j.layers.SoftmaxCrossEntropy;
import org.spdz4j.onnx.schema.Onnx.AttributeProto;
import org.spdz4j.onnx.schema.Onnx.GraphProto;
import org.spdz4j.onnx.schema.Onnx.ModelProto;
import org.spdz4j.onnx.schema.Onnx.NodeProto;
import org.spdz4j.onnx.schema.Onnx.TensorProto;
import org.spdz4j.onnx.schema.Onnx.TensorShapeProto;
import org.spdz4j.onnx.schema.Onnx.ValueInfoProto;

/**
 * An ONNX model as the engine's {@link ModelFile}: what {@code --init-from} and private
 * prediction load, from spdz4j's own export or from another tool (PyTorch's
 * {@code torch.onnx.export} of a sequential CNN). The graph must be a chain, each node reading
 * the previous one's output: Conv (with or without bias; square kernel, equal strides and pads,
 * no dilation or groups), Relu, MaxPool and AveragePool (k x k, stride k), Gemm, MatMul (with an
 * Add of its bias after it), Add, Flatten and Reshape to (N, features), BatchNormalization
 * (folded into the convolution right before it; elsewhere a plaintext batch-norm layer), Dropout
 * and Identity (dropped), a final Softmax (dropped: the engine's logits have the same argmax), and a leading
 * Sub and Div by scalars (the input scaling). Any other operator or attribute is refused naming
 * the node and the operator.
 *
 * <pre>{@code
 * ModelFile pretrained = OnnxImport.read(Path.of("model.onnx"));
 * FloatModel m = pretrained.floatModel(pretrained.network().batchShape(1));
 * }</pre>
 */
public final class OnnxImport {
    private OnnxImport() {
    }

    /**
     * Reads {@code file}.
     *
     * @throws IOException naming the file, and the node and operator that cannot be imported
     */
    public static ModelFile read(Path file) throws IOException {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(Files.readAllBytes(file));
        } catch (InvalidProtocolBufferException e) {
            throw new IOException(file + " is not an ONNX model: " + e.getMessage(), e);
        }
        try {
            return fromProto(model);
        } catch (IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    static ModelFile fromProto(ModelProto model) {
        GraphProto g = model.getGraph();
        Map<String, Tensor> constants = new HashMap<>();
        for (TensorProto t : g.getInitializerList()) {
            constants.put(t.getName(), Tensor.of(t));
        }
        Chain chain = new Chain(constants);
        ValueInfoProto input = g.getInputList().stream().filter(v -> !constants.containsKey(v.getName())).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("the graph has no input besides its initializers"));
        chain.current = input.getName();
        for (NodeProto n : g.getNodeList()) {
            chain.add(n);
        }
        if (chain.layers.isEmpty()) {
            throw new IllegalArgumentException("the graph has no layer spdz4j can run");
        }
        Network.Builder b = Network.builder().input(exampleShape(input));
        chain.layers.forEach(b::add);
        Network net = b.loss(SoftmaxCrossEntropy.DEFAULT).build();
        List<String> classes = model.getMetadataPropsList().stream().filter(e -> e.getKey().equals(OnnxExport.CLASSES))
                .map(e -> List.of(e.getValue().split("\n", -1))).findFirst().orElse(List.of());
        if (!classes.isEmpty() && classes.size() != net.outputs()) {
            throw new IllegalArgumentException("the metadata " + OnnxExport.CLASSES + " names " + classes.size()
                    + " classes, but the graph gives " + net.outputs() + " outputs");
        }
        return new ModelFile(net, chain.scaling(), chain.params, classes);
    }

    /** The input's shape without its batch dimension: (channels, height, width) or (features). */
    private static int[] exampleShape(ValueInfoProto input) {
        List<TensorShapeProto.Dimension> dims = input.getType().getTensorType().getShape().getDimList();
        if (dims.size() != 2 && dims.size() != 4) {
            throw new IllegalArgumentException("input " + input.getName() + " has " + dims.size() + " dimensions; spdz4j takes "
                    + "(N, channels, height, width) or (N, features)");
        }
        int[] out = new int[dims.size() - 1];
        for (int i = 1; i < dims.size(); i++) {
            if (!dims.get(i).hasDimValue() || dims.get(i).getDimValue() <= 0) {
                throw new IllegalArgumentException("input " + input.getName() + ": dimension " + i + " must be a fixed size, not '"
                        + dims.get(i).getDimParam() + "'");
            }
            out[i - 1] = (int) dims.get(i).getDimValue();
        }
        return out;
    }

    /** An initializer's dimensions and values. */
    record Tensor(long[] dims, double[] values) {
        static Tensor of(TensorProto t) {
            long[] dims = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
            if (t.getDataLocation() != 0) {
                throw new IllegalArgumentException("initializer " + t.getName() + " is stored outside the file; "
                        + "export with the weights inside it");
            }
            double[] v;
            ByteBuffer raw = t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            switch (t.getDataType()) {
                case TensorProto.DataType.FLOAT_VALUE -> {
                    v = new double[t.getFloatDataCount() > 0 ? t.getFloatDataCount() : raw.remaining() / 4];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = t.getFloatDataCount() > 0 ? t.getFloatData(i) : raw.getFloat();
                    }
                }
                case TensorProto.DataType.DOUBLE_VALUE -> {
                    v = new double[t.getDoubleDataCount() > 0 ? t.getDoubleDataCount() : raw.remaining() / 8];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = t.getDoubleDataCount() > 0 ? t.getDoubleData(i) : raw.getDouble();
                    }
                }
                case TensorProto.DataType.INT64_VALUE -> {
                    v = new double[t.getInt64DataCount() > 0 ? t.getInt64DataCount() : raw.remaining() / 8];
                    for (int i = 0; i < v.length; i++) {
                        v[i] = t.getInt64DataCount() > 0 ? t.getInt64Data(i) : raw.getLong();
                    }
                }
                default -> throw new IllegalArgumentException("initializer " + t.getName() + " has data type " + t.getDataType()
                        + "; spdz4j reads FLOAT, DOUBLE and INT64");
            }
            long size = 1;
            for (long d : dims) {
                size *= d;
            }
            if (size != v.length) {
                throw new IllegalArgumentException("initializer " + t.getName() + " declares " + size + " values but holds "
                        + v.length);
            }
            return new Tensor(dims, v);
        }

        boolean allZero() {
            for (double x : values) {
                if (x != 0) {
                    return false;
                }
            }
            return true;
        }
    }

    /** The layers read so far, the value the next node must read, the parameters in the engine's order. */
    private static final class Chain {
        final Map<String, Tensor> constants;
        final List<Layer> layers = new ArrayList<>();
        final List<double[]> params = new ArrayList<>();   // in the layers' order: each one's weight, then bias
        String current;
        double mean = 0;
        double sd = 1;
        Dense pendingDense;   // a MatMul whose bias an Add may still give

        Chain(Map<String, Tensor> constants) {
            this.constants = constants;
        }

        InputScaling scaling() {
            return new InputScaling(mean, sd);
        }

        void add(NodeProto n) {
            String op = n.getOpType();
            String where = "node '" + n.getName() + "' (" + op + ")";
            if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
                throw new IllegalArgumentException(where + " is of domain " + n.getDomain() + "; spdz4j imports the standard "
                        + "operators only");
            }
            if (n.getInputCount() == 0 || !n.getInput(0).equals(current)) {
                throw new IllegalArgumentException(where + " reads " + (n.getInputCount() == 0 ? "nothing" : n.getInput(0))
                        + ", not the previous node's output " + current + ": spdz4j imports a chain of layers");
            }
            if (op.equals("Add") && pendingDense != null) {
                Tensor b = constant(n, 1, where);
                if (b.values().length != pendingDense.out()) {
                    throw new IllegalArgumentException(where + ": a bias of " + b.values().length + " values after a MatMul of "
                            + pendingDense.out() + " outputs");
                }
                params.set(params.size() - 1, b.values());
                pendingDense = null;
                current = n.getOutput(0);
                return;
            }
            pendingDense = null;
            switch (op) {
                case "Sub", "Div" -> scale(n, op, where);
                case "Conv" -> conv(n, where);
                case "Relu" -> layer(new Relu(Relu.DEFAULT_BITS));
                case "MaxPool", "AveragePool" -> pool(n, op, where);
                case "Flatten" -> {
                    if (intAttribute(n, "axis", 1) != 1) {
                        throw new IllegalArgumentException(where + ": axis " + intAttribute(n, "axis", 1) + "; spdz4j flattens "
                                + "to (N, features) (axis 1)");
                    }
                    layer(new Flatten());
                }
                case "Reshape" -> reshape(n, where);
                case "Gemm" -> gemm(n, where);
                case "MatMul" -> {
                    Tensor w = constant(n, 1, where);
                    if (w.dims().length != 2) {
                        throw new IllegalArgumentException(where + ": a weight matrix of " + w.dims().length + " dimensions");
                    }
                    dense(transpose(w.values(), (int) w.dims()[0], (int) w.dims()[1]), (int) w.dims()[0], (int) w.dims()[1],
                            new double[(int) w.dims()[1]]);
                    pendingDense = new Dense((int) w.dims()[0], (int) w.dims()[1]);
                }
                case "BatchNormalization" -> batchNorm(n, where);
                case "Dropout", "Identity", "Softmax" -> {
                    // identities at inference; a final Softmax keeps the argmax of the logits the engine gives
                }
                default -> throw new IllegalArgumentException(where + ": operator " + op + " is not supported (spdz4j imports "
                        + "Conv, Relu, MaxPool, AveragePool, Gemm, MatMul, Add, Flatten, Reshape, BatchNormalization, "
                        + "Dropout, Identity, Softmax, and a leading Sub and Div)");
            }
            current = n.getOutput(0);
        }

        private void layer(Layer l) {
            layers.add(l);
        }

        private void scale(NodeProto n, String op, String where) {
            Tensor c = constant(n, 1, where);
            if (!layers.isEmpty() || c.values().length != 1) {
                throw new IllegalArgumentException(where + ": spdz4j takes a " + op + " by one scalar before the first layer "
                        + "only (the input scaling)");
            }
            if (op.equals("Sub")) {
                mean += c.values()[0] * sd;
            } else {
                sd *= c.values()[0];
            }
        }

        private void conv(NodeProto n, String where) {
            Tensor w = constant(n, 1, where);
            if (w.dims().length != 4 || w.dims()[2] != w.dims()[3]) {
                throw new IllegalArgumentException(where + ": spdz4j takes square 2-d kernels, not " + java.util.Arrays.toString(w.dims()));
            }
            boolean biased = n.getInputCount() > 2 && !n.getInput(2).isEmpty();
            double[] bias = biased ? constant(n, 2, where).values() : null;
            if (bias != null && bias.length != w.dims()[0]) {
                throw new IllegalArgumentException(where + ": a bias of " + bias.length + " values for " + w.dims()[0]
                        + " output channels");
            }
            int k = (int) w.dims()[2];
            requireAll(n, "kernel_shape", k, where);
            requireAll(n, "dilations", 1, where);
            if (intAttribute(n, "group", 1) != 1) {
                throw new IllegalArgumentException(where + ": grouped convolutions (group " + intAttribute(n, "group", 1)
                        + ") are not supported");
            }
            requireNoAutoPad(n, where);
            int stride = sameValue(n, "strides", 1, where);
            int pad = sameValue(n, "pads", 0, where);
            layer(new Conv2d((int) w.dims()[1], (int) w.dims()[0], k, stride, pad, 1, biased));
            params.add(w.values());
            if (biased) {
                params.add(bias);
            }
        }

        private void pool(NodeProto n, String op, String where) {
            List<Long> shape = ints(n, "kernel_shape");
            if (shape.size() != 2 || !shape.get(0).equals(shape.get(1))) {
                throw new IllegalArgumentException(where + ": kernel_shape " + shape + "; spdz4j pools k x k windows");
            }
            int k = shape.get(0).intValue();
            if (sameValue(n, "strides", 1, where) != k || sameValue(n, "pads", 0, where) != 0
                    || intAttribute(n, "ceil_mode", 0) != 0) {
                throw new IllegalArgumentException(where + ": spdz4j pools with stride k (" + k + "), no padding and "
                        + "ceil_mode 0");
            }
            requireNoAutoPad(n, where);
            layer(op.equals("MaxPool") ? new MaxPool2d(k, Relu.DEFAULT_BITS) : new AvgPool2d(k));
        }

        private void reshape(NodeProto n, String where) {
            Tensor shape = constant(n, 1, where);
            if (shape.values().length != 2 || shape.values()[1] > -1 && shape.values()[0] > 0) {
                throw new IllegalArgumentException(where + ": spdz4j reshapes to (N, features) only, e.g. [0, -1] or [-1, F]; "
                        + "got " + java.util.Arrays.toString(shape.values()));
            }
            layer(new Flatten());
        }

        private void gemm(NodeProto n, String where) {
            if (intAttribute(n, "transA", 0) != 0 || floatAttribute(n, "alpha", 1) != 1 || floatAttribute(n, "beta", 1) != 1) {
                throw new IllegalArgumentException(where + ": spdz4j takes Gemm with transA 0, alpha 1 and beta 1");
            }
            Tensor w = constant(n, 1, where);
            boolean transB = intAttribute(n, "transB", 0) == 1;
            int out = (int) w.dims()[transB ? 0 : 1];
            int in = (int) w.dims()[transB ? 1 : 0];
            double[] weight = transB ? w.values() : transpose(w.values(), in, out);
            double[] bias = n.getInputCount() > 2 && !n.getInput(2).isEmpty() ? constant(n, 2, where).values() : new double[out];
            if (bias.length != out) {
                throw new IllegalArgumentException(where + ": a bias of " + bias.length + " values for " + out + " outputs "
                        + "(spdz4j takes one per output)");
            }
            dense(weight, in, out, bias);
        }

        /** A dense layer from {@code in} to {@code out}, its weight (out, in) row-major. */
        private void dense(double[] weight, int in, int out, double[] bias) {
            layer(new Dense(in, out));
            params.add(weight);
            params.add(bias);
        }

        /**
         * Right after a convolution, folded into it (its weights scaled per output channel, its
         * bias shifted: the same inference, and a network that runs on shares); elsewhere a
         * batch-norm layer (plaintext only), its epsilon folded into the variance.
         */
        private void batchNorm(NodeProto n, String where) {
            if (n.getInputCount() != 5) {
                throw new IllegalArgumentException(where + " takes scale, bias, mean and variance");
            }
            double[] gamma = constant(n, 1, where).values();
            double[] beta = constant(n, 2, where).values();
            double[] mean = constant(n, 3, where).values();
            double[] var = constant(n, 4, where).values().clone();
            double eps = floatAttribute(n, "epsilon", 1e-5f);
            if (!layers.isEmpty() && layers.get(layers.size() - 1) instanceof Conv2d c && c.outChannels() == var.length) {
                double[] w;
                double[] bias;
                if (c.bias()) {
                    bias = params.remove(params.size() - 1).clone();
                    w = params.remove(params.size() - 1).clone();
                } else {
                    bias = new double[var.length];
                    w = params.remove(params.size() - 1).clone();
                }
                int per = w.length / var.length;
                for (int o = 0; o < var.length; o++) {
                    double scale = gamma[o] / Math.sqrt(var[o] + eps);
                    for (int i = 0; i < per; i++) {
                        w[o * per + i] *= scale;
                    }
                    bias[o] = (bias[o] - mean[o]) * scale + beta[o];
                }
                layers.set(layers.size() - 1, new Conv2d(c.inChannels(), c.outChannels(), c.kernel(), c.stride(),
                        c.padding(), 1, true));
                params.add(w);
                params.add(bias);
                return;
            }
            for (int i = 0; i < var.length; i++) {
                var[i] += eps - BatchNorm2d.EPSILON;   // the same normalisation under the engine's epsilon
            }
            layer(new BatchNorm2d(var.length));
            params.add(gamma);
            params.add(beta);
            params.add(mean);
            params.add(var);
        }

        private Tensor constant(NodeProto n, int input, String where) {
            if (n.getInputCount() <= input) {
                throw new IllegalArgumentException(where + " has no input " + input);
            }
            Tensor t = constants.get(n.getInput(input));
            if (t == null) {
                throw new IllegalArgumentException(where + ": its input " + n.getInput(input) + " is computed, not a "
                        + "constant (an initializer); spdz4j imports weights that are initializers");
            }
            return t;
        }
    }

    private static double[] transpose(double[] v, int rows, int cols) {
        double[] t = new double[v.length];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                t[c * rows + r] = v[r * cols + c];
            }
        }
        return t;
    }

    private static AttributeProto attribute(NodeProto n, String name) {
        return n.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst().orElse(null);
    }

    private static long intAttribute(NodeProto n, String name, long absent) {
        AttributeProto a = attribute(n, name);
        return a == null ? absent : a.getI();
    }

    private static double floatAttribute(NodeProto n, String name, float absent) {
        AttributeProto a = attribute(n, name);
        return a == null ? absent : a.getF();
    }

    private static List<Long> ints(NodeProto n, String name) {
        AttributeProto a = attribute(n, name);
        return a == null ? List.of() : a.getIntsList();
    }

    /** The one value every entry of the ints attribute {@code name} has ({@code absent} when missing). */
    private static int sameValue(NodeProto n, String name, int absent, String where) {
        List<Long> v = ints(n, name);
        if (v.isEmpty()) {
            return absent;
        }
        for (Long x : v) {
            if (!x.equals(v.get(0))) {
                throw new IllegalArgumentException(where + ": " + name + " " + v + "; spdz4j takes the same value on every side");
            }
        }
        return v.get(0).intValue();
    }

    private static void requireAll(NodeProto n, String name, long value, String where) {
        for (Long x : ints(n, name)) {
            if (x != value) {
                throw new IllegalArgumentException(where + ": " + name + " " + ints(n, name) + " is not supported");
            }
        }
    }

    private static void requireNoAutoPad(NodeProto n, String where) {
        AttributeProto a = attribute(n, "auto_pad");
        if (a != null && !a.getS().toStringUtf8().equals("NOTSET")) {
            throw new IllegalArgumentException(where + ": auto_pad " + a.getS().toStringUtf8() + " is not supported; give pads");
        }
    }
}
