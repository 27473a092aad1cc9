package org.spdz4j.onnx;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.spdz4j.core.files.SecretFiles;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.layers.AvgPool2d;
import org.spdz4j.layers.BatchNorm2d;
import org.spdz4j.layers.Conv2d;
import org.spdz4j.layers.Dense;
import org.spdz4j.layers.Dropout;
import org.spdz4j.layers.Flatten;
import org.spdz4j.layers.InputScaling;
import org.spdz4j.layers.Layer;
import org.spdz4j.layers.MaxPool2d;
import org.spdz4j.layers.ModelFile;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.PolyRelu;
import org.spdz4j.layers.Relu;
import org.spdz4j.onnx.schema.Onnx.AttributeProto;
import org.spdz4j.onnx.schema.Onnx.GraphProto;
import org.spdz4j.onnx.schema.Onnx.ModelProto;
import org.spdz4j.onnx.schema.Onnx.NodeProto;
import org.spdz4j.onnx.schema.Onnx.OperatorSetIdProto;
import org.spdz4j.onnx.schema.Onnx.StringStringEntryProto;
import org.spdz4j.onnx.schema.Onnx.TensorProto;
import org.spdz4j.onnx.schema.Onnx.TensorShapeProto;
import org.spdz4j.onnx.schema.Onnx.TypeProto;
import org.spdz4j.onnx.schema.Onnx.ValueInfoProto;

/**
 * A model the engine wrote ({@link ModelFile}: MPC, assembled split or federated) as an ONNX
 * file that other tools load (checked with onnxruntime). The graph takes
 * {@code input}, raw values as the engine's data reader gives them (pixels / 255, or the
 * standardised features of a CSV), shaped (N, channels, height, width) or (N, features); it
 * applies the model's input scaling (Sub, Div), then the layers (Conv, AveragePool, MaxPool,
 * Relu, the polynomial activation as Mul and Add, BatchNormalization, Flatten, Gemm), and gives
 * {@code logits} (N, classes). Weights are 32-bit floats (ONNX runtimes' type for these
 * operators); dropout, an identity at inference, is left out. Opset 13, IR version 7. The
 * network's own description, the scaling and the classes' names, where the model has them, ride
 * along as metadata ({@code spdz4j.network}, {@code spdz4j.input_scaling}, {@code spdz4j.classes}:
 * one name a line, output 0 first).
 *
 * <pre>{@code
 * OnnxExport.write(Path.of("model.onnx"), ModelFile.read(Path.of("model.spdz")));
 * }</pre>
 */
public final class OnnxExport {
    static final int OPSET = 13;
    static final int IR_VERSION = 7;
    static final String INPUT = "input";
    static final String OUTPUT = "logits";
    /** The metadata key of the classes' names, one a line. */
    static final String CLASSES = "spdz4j.classes";

    private OnnxExport() {
    }

    /**
     * Writes {@code model} to {@code out} as ONNX, readable by its owner only (the model is its
     * owner's secret), through an exclusive temporary file and a rename.
     *
     * @throws IOException naming {@code out} when it cannot be written
     */
    public static void write(Path out, ModelFile model) throws IOException {
        byte[] bytes = toProto(model).toByteArray();
        SecretFiles.writeAtomically(out, o -> o.write(bytes));
    }

    /** The ONNX model of {@code model}. */
    static ModelProto toProto(ModelFile model) {
        Graph g = new Graph(model.params().iterator());
        Network net = model.network();
        Shape batch = net.batchShape(1);
        String x = INPUT;
        InputScaling s = model.scaling();
        if (!s.equals(InputScaling.UNIT)) {
            x = g.node("Sub", "scale_mean", List.of(x, g.constant("input_mean", s.mean())));
            x = g.node("Div", "scale_sd", List.of(x, g.constant("input_sd", s.sd())));
        }
        List<Layer> layers = net.layers();
        for (int i = 0; i < layers.size(); i++) {
            x = g.layer(layers.get(i), "layer" + (i + 1), x);
        }
        if (g.params.hasNext()) {
            throw new IllegalArgumentException("the model holds more parameter tensors than its network " + net.describe());
        }
        g.graph.setName("spdz4j").addInput(value(INPUT, batch.dims()))
                .addOutput(value(OUTPUT, new int[]{1, net.outputs()}));
        g.graph.addNode(NodeProto.newBuilder().setOpType("Identity").setName("output").addInput(x).addOutput(OUTPUT));
        ModelProto.Builder proto = ModelProto.newBuilder().setIrVersion(IR_VERSION).setProducerName("spdz4j").setProducerVersion("0.1")
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setGraph(g.graph)
                .addMetadataProps(entry("spdz4j.network", net.describe()))
                .addMetadataProps(entry("spdz4j.input_scaling", s.mean() + "," + s.sd()));
        if (!model.classes().isEmpty()) {
            if (model.classes().stream().anyMatch(n -> n.contains("\n"))) {
                throw new IllegalArgumentException("a class name holds a line break: " + model.classes());
            }
            proto.addMetadataProps(entry(CLASSES, String.join("\n", model.classes())));
        }
        return proto.build();
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    /** A float tensor's name and shape, its first dimension the batch ("N"). */
    private static ValueInfoProto value(String name, int[] dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimParam("N"));
        for (int i = 1; i < dims.length; i++) {
            shape.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(dims[i]));
        }
        return ValueInfoProto.newBuilder().setName(name).setType(TypeProto.newBuilder().setTensorType(
                TypeProto.Tensor.newBuilder().setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape))).build();
    }

    /** The graph as it is built: nodes, initializers, and the parameters still to place. */
    private static final class Graph {
        final GraphProto.Builder graph = GraphProto.newBuilder();
        final Iterator<double[]> params;

        Graph(Iterator<double[]> params) {
            this.params = params;
        }

        /** Appends {@code layer} reading {@code x}; returns its output's name. */
        String layer(Layer layer, String name, String x) {
            if (layer instanceof Conv2d c) {
                List<String> in = new ArrayList<>(List.of(x, weights(name + ".weight", c.outChannels(), c.inChannels(),
                        c.kernel(), c.kernel())));
                if (c.bias()) {
                    in.add(weights(name + ".bias", c.outChannels()));
                }
                String y = node("Conv", name, in, ints("kernel_shape", c.kernel(), c.kernel()),
                        ints("strides", c.stride(), c.stride()), ints("pads", c.padding(), c.padding(), c.padding(), c.padding()));
                return c.pool() == 1 ? y : pool("AveragePool", name + ".pool", y, c.pool());
            } else if (layer instanceof AvgPool2d p) {
                return pool("AveragePool", name, x, p.k());
            } else if (layer instanceof MaxPool2d p) {
                return pool("MaxPool", name, x, p.k());
            } else if (layer instanceof Relu) {
                return node("Relu", name, List.of(x));
            } else if (layer instanceof PolyRelu p) {
                return polynomial(p, name, x);
            } else if (layer instanceof Flatten) {
                return node("Flatten", name, List.of(x), AttributeProto.newBuilder().setName("axis").setI(1)
                        .setType(AttributeProto.AttributeType.INT).build());
            } else if (layer instanceof Dense d) {
                String w = weights(name + ".weight", d.out(), d.in());
                String b = weights(name + ".bias", d.out());
                return node("Gemm", name, List.of(x, w, b), AttributeProto.newBuilder().setName("transB").setI(1)
                        .setType(AttributeProto.AttributeType.INT).build());
            } else if (layer instanceof BatchNorm2d n) {
                List<String> in = new ArrayList<>(List.of(x));
                for (String part : new String[]{"scale", "bias", "mean", "var"}) {
                    in.add(weights(name + "." + part, n.channels()));
                }
                return node("BatchNormalization", name, in, AttributeProto.newBuilder().setName("epsilon")
                        .setF((float) BatchNorm2d.EPSILON).setType(AttributeProto.AttributeType.FLOAT).build());
            } else if (layer instanceof Dropout) {
                return x;   // an identity at inference
            }
            throw new IllegalArgumentException("no ONNX export for layer " + layer.describe());
        }

        /** c_d, then Horner: y = y * x + c_k, as Mul and Add nodes with scalar constants. */
        private String polynomial(PolyRelu p, String name, String x) {
            int d = p.polynomial().degree();
            String y = node("Mul", name + ".mul" + d, List.of(x, constant(name + ".c" + d, p.polynomial().coefficient(d))));
            for (int k = d - 1; k >= 0; k--) {
                y = node("Add", name + ".add" + k, List.of(y, constant(name + ".c" + k, p.polynomial().coefficient(k))));
                if (k > 0) {
                    y = node("Mul", name + ".mul" + k, List.of(y, x));
                }
            }
            return y;
        }

        private String pool(String op, String name, String x, int k) {
            return node(op, name, List.of(x), ints("kernel_shape", k, k), ints("strides", k, k));
        }

        String node(String op, String name, List<String> inputs, AttributeProto... attributes) {
            String out = name + ".out";
            NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(name).addAllInput(inputs).addOutput(out);
            for (AttributeProto a : attributes) {
                n.addAttribute(a);
            }
            graph.addNode(n);
            return out;
        }

        /** The next parameter tensor of the model as an initializer of {@code dims}. */
        private String weights(String name, int... dims) {
            if (!params.hasNext()) {
                throw new IllegalArgumentException("the model holds fewer parameter tensors than its network needs (at " + name + ")");
            }
            double[] v = params.next();
            long size = 1;
            TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE);
            for (int d : dims) {
                t.addDims(d);
                size *= d;
            }
            if (size != v.length) {
                throw new IllegalArgumentException(name + ": the model holds " + v.length + " values, its layer needs " + size);
            }
            for (double value : v) {
                t.addFloatData((float) value);
            }
            graph.addInitializer(t);
            return name;
        }

        /** A scalar float constant. */
        String constant(String name, double value) {
            graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
                    .addFloatData((float) value));
            return name;
        }

        private static AttributeProto ints(String name, long... values) {
            AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
            for (long v : values) {
                a.addInts(v);
            }
            return a.build();
        }
    }
}
