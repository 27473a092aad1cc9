package org.spdz4j.onnx;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.data.Dataset;
import org.spdz4j.data.Evaluation;
import org.spdz4j.data.TestData;
import org.spdz4j.layers.AvgPool2d;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.FloatTensor;
import org.spdz4j.layers.Initializer;
import org.spdz4j.layers.ModelFile;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.Networks;
import org.spdz4j.layers.PolyRelu;
import org.spdz4j.layers.Sgd;
import org.spdz4j.onnx.schema.Onnx.ModelProto;
import org.spdz4j.onnx.schema.Onnx.NodeProto;

/** Exported models in onnxruntime against the engine's own forward pass, and import back. */
class OnnxRoundTripTest {
    private static ModelFile narrow;

    /** The narrow network (exact ReLU, max pooling) trained 80 steps in the clear: a model with real weights. */
    @BeforeAll
    static void train() {
        Network net = Networks.build("narrow", Networks.maxPool(), Networks.relu(), false);
        narrow = trained(net, 80);
    }

    private static ModelFile trained(Network net, int steps) {
        FloatModel m = FloatModel.create(net, net.batchShape(32), new Initializer(5, 0.05), new Sgd(0.02, 0.9, 0));
        Dataset train = TestData.train();
        for (int s = 0; s < steps; s++) {
            int[] batch = new int[32];
            for (int i = 0; i < 32; i++) {
                batch[i] = s * 32 + i;
            }
            m.trainStep(train.images(batch), train.oneHot(batch));
        }
        return new ModelFile(net, TestData.scaling(), m.paramValues());
    }

    /** The logits onnxruntime computes for the first {@code n} raw test inputs (pixels / 255). */
    private static float[][] onnxruntime(byte[] model, int n, Shape example) throws OrtException {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        Dataset raw = TestData.rawTest().scaled(org.spdz4j.layers.InputScaling.UNIT);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        double[] x = raw.images(idx).values();
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        long[] shape = new long[example.rank() + 1];
        shape[0] = n;
        for (int i = 0; i < example.rank(); i++) {
            shape[i + 1] = example.dim(i);
        }
        try (OrtSession s = env.createSession(model, new OrtSession.SessionOptions());
             OnnxTensor in = OnnxTensor.createTensor(env, FloatBuffer.wrap(f), shape);
             OrtSession.Result r = s.run(Map.of(OnnxExport.INPUT, in))) {
            return (float[][]) r.get(0).getValue();
        }
    }

    /** What spdz predict computes: the model's float forward pass on the scaled inputs. */
    private static double[] engine(ModelFile m, int n) {
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) {
            idx[i] = i;
        }
        FloatModel f = m.floatModel(m.network().batchShape(n));
        return f.forward(TestData.rawTest().scaled(m.scaling()).images(idx)).values();
    }

    private static void sameLogits(ModelFile m, byte[] onnx, double tolerance) throws OrtException {
        int n = 1000;
        float[][] ort = onnxruntime(onnx, n, m.network().input());
        double[] ours = engine(m, n);
        double worst = 0;
        int differentArgmax = 0;
        for (int i = 0; i < n; i++) {
            double[] row = new double[10];
            for (int c = 0; c < 10; c++) {
                row[c] = ort[i][c];
                worst = Math.max(worst, Math.abs(ort[i][c] - ours[i * 10 + c]));
            }
            differentArgmax += Evaluation.argmax(row, 0, 10) == Evaluation.argmax(ours, i * 10, 10) ? 0 : 1;
        }
        System.out.printf("onnxruntime against the engine on %d test images: largest logit difference %.2e, "
                + "%d different argmax%n", n, worst, differentArgmax);
        assertTrue(worst <= tolerance, "largest logit difference " + worst);
        assertEquals(0, differentArgmax);
    }

    @Test
    void onnxruntimeGivesTheEnginesLogitsOnAThousandTestImages(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("narrow.onnx");
        OnnxExport.write(file, narrow);
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(file));
        sameLogits(narrow, Files.readAllBytes(file), 1e-3);   // float32 weights against the engine's doubles
    }

    /** The polynomial activation and average pooling export as Mul, Add and AveragePool. */
    @Test
    void aPolynomialNetworkExportsToo() throws Exception {
        Network poly = Networks.build("small", new AvgPool2d(2), new PolyRelu(2, 2.0), false);
        ModelFile m = trained(poly, 40);
        sameLogits(m, OnnxExport.toProto(m).toByteArray(), 1e-3);
        IOException refused = assertThrows(IOException.class, () -> OnnxImport.read(write(m)));
        assertTrue(refused.getMessage().contains("node 'layer3.mul2' (Mul): operator Mul is not supported"),
                refused.getMessage());
    }

    private static Path write(ModelFile m) throws IOException {
        Path p = Files.createTempFile("spdz4j", ".onnx");
        p.toFile().deleteOnExit();
        Files.write(p, OnnxExport.toProto(m).toByteArray());
        return p;
    }

    @Test
    void exportImportExportGivesTheSameGraphAndWeights() throws Exception {
        ModelFile back = OnnxImport.read(write(narrow));
        assertEquals(narrow.network().describe(), back.network().describe());
        assertEquals(narrow.scaling().mean(), back.scaling().mean(), 1e-6);
        assertEquals(narrow.scaling().sd(), back.scaling().sd(), 1e-6);
        for (int i = 0; i < narrow.params().size(); i++) {
            double[] f = new double[narrow.params().get(i).length];
            for (int j = 0; j < f.length; j++) {
                f[j] = (float) narrow.params().get(i)[j];
            }
            assertArrayEquals(f, back.params().get(i), 0.0, "parameter " + i + ": the float32 of the original");
        }
        ModelProto first = OnnxExport.toProto(back);
        ModelProto second = OnnxExport.toProto(OnnxImport.fromProto(first));
        assertEquals(first.getGraph(), second.getGraph());
        assertEquals(List.of(), back.classes());
        // the classes' names ride along as metadata, and come back
        List<String> names = java.util.stream.IntStream.range(0, 10).mapToObj(d -> "digit " + d).toList();
        ModelFile named = new ModelFile(narrow.network(), narrow.scaling(), narrow.params(), names);
        assertEquals(names, OnnxImport.fromProto(OnnxExport.toProto(named)).classes());
    }

    /**
     * A model as PyTorch exports it: Gemm with transB and MatMul followed by Add, a Reshape to
     * (N, -1), a conv bias (zero here), a final Softmax; imported, it gives onnxruntime's answers.
     */
    @Test
    void aForeignGraphImportsWithTheSameAnswers() throws Exception {
        ModelProto exported = OnnxExport.toProto(narrow);
        ModelProto.Builder b = exported.toBuilder();
        var g = b.getGraphBuilder();
        List<NodeProto> nodes = List.copyOf(g.getNodeList());
        g.clearNode();
        for (NodeProto n : nodes) {
            if (n.getOpType().equals("Flatten")) {   // Reshape to [0, -1] instead
                g.addInitializer(org.spdz4j.onnx.schema.Onnx.TensorProto.newBuilder().setName("flat").addDims(2)
                        .setDataType(7).addInt64Data(0).addInt64Data(-1));
                g.addNode(n.toBuilder().setOpType("Reshape").clearAttribute().addInput("flat"));
            } else if (n.getOpType().equals("Conv") && !g.getInitializerList().stream().anyMatch(t -> t.getName().equals("zero"))) {
                g.addInitializer(org.spdz4j.onnx.schema.Onnx.TensorProto.newBuilder().setName("zero").addDims(16)
                        .setDataType(1).addAllFloatData(java.util.Collections.nCopies(16, 0f)));
                g.addNode(n.toBuilder().addInput("zero"));
            } else if (n.getOpType().equals("Gemm")) {
                g.addNode(NodeProto.newBuilder().setOpType("MatMul").setName("matmul").addInput(n.getInput(0))
                        .addInput("wt").addOutput("mm"));
                g.addNode(NodeProto.newBuilder().setOpType("Add").setName("bias").addInput("mm").addInput(n.getInput(2))
                        .addOutput(n.getOutput(0)));
            } else {
                g.addNode(n);
            }
        }
        g.addNode(NodeProto.newBuilder().setOpType("Softmax").setName("probabilities").addInput("logits").addOutput("p"));
        var w = g.getInitializerList().stream().filter(t -> t.getName().equals(denseWeight(nodes))).findFirst().orElseThrow();
        float[] t = new float[w.getFloatDataCount()];
        int out = (int) w.getDims(0);
        int in = (int) w.getDims(1);
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                t[c * out + r] = w.getFloatData(r * in + c);
            }
        }
        var wt = org.spdz4j.onnx.schema.Onnx.TensorProto.newBuilder().setName("wt").addDims(in).addDims(out).setDataType(1);
        for (float v : t) {
            wt.addFloatData(v);
        }
        g.addInitializer(wt);
        ModelFile imported = OnnxImport.fromProto(b.build());
        assertEquals(narrow.network().describe().replaceFirst("p=1\\)", "p=1,bias)"), imported.network().describe(),
                "the zero bias the graph declares is kept: a bias to fine-tune");
        sameLogits(imported, exported.toByteArray(), 1e-3);
    }

    private static String denseWeight(List<NodeProto> nodes) {
        return nodes.stream().filter(n -> n.getOpType().equals("Gemm")).findFirst().orElseThrow().getInput(1);
    }

    /**
     * PyTorch's usual convolution block, Conv with a bias then BatchNormalization (epsilon 1e-3):
     * imported, the batch norm is folded into the convolution (weights scaled, bias shifted), so
     * the network runs on shares, and its logits are onnxruntime's for the graph with the batch norm.
     */
    @Test
    void aConvolutionsBiasAndItsBatchNormAreFoldedIntoIt() throws Exception {
        ModelProto exported = OnnxExport.toProto(narrow);
        ModelProto.Builder b = exported.toBuilder();
        var g = b.getGraphBuilder();
        NodeProto conv = g.getNodeList().stream().filter(n -> n.getOpType().equals("Conv")).findFirst().orElseThrow();
        int at = g.getNodeList().indexOf(conv);
        java.util.SplittableRandom r = new java.util.SplittableRandom(3);   // test weights, not shares
        for (String[] t : new String[][]{{"b0", "0.2"}, {"gamma", "0.5"}, {"beta", "0.3"}, {"mean", "0.2"}, {"var", "0.5"}}) {
            var tensor = org.spdz4j.onnx.schema.Onnx.TensorProto.newBuilder().setName(t[0]).addDims(16).setDataType(1);
            for (int i = 0; i < 16; i++) {
                double spread = Double.parseDouble(t[1]);
                tensor.addFloatData((float) (t[0].equals("var") || t[0].equals("gamma") ? 0.5 + r.nextDouble() * spread
                        : (r.nextDouble() - 0.5) * spread));
            }
            g.addInitializer(tensor);
        }
        g.setNode(at, conv.toBuilder().addInput("b0"));
        NodeProto next = g.getNode(at + 1);
        g.setNode(at + 1, next.toBuilder().setInput(0, "bn.out"));
        g.addNode(at + 1, NodeProto.newBuilder().setOpType("BatchNormalization").setName("bn").addInput(conv.getOutput(0))
                .addInput("gamma").addInput("beta").addInput("mean").addInput("var").addOutput("bn.out")
                .addAttribute(org.spdz4j.onnx.schema.Onnx.AttributeProto.newBuilder().setName("epsilon").setF(1e-3f)
                        .setType(org.spdz4j.onnx.schema.Onnx.AttributeProto.AttributeType.FLOAT)));
        ModelFile imported = OnnxImport.fromProto(b.build());
        assertTrue(imported.network().describe().startsWith("conv2d(1,16,k=3,s=1,p=1,bias) maxpool2d"),
                imported.network().describe());
        imported.network().requireComputableOnShares("MPC training");
        sameLogits(imported, b.build().toByteArray(), 1e-3);
    }

    @Test
    void anUnsupportedOperatorIsRefusedNamingTheNode() {
        ModelProto.Builder b = OnnxExport.toProto(narrow).toBuilder();
        var g = b.getGraphBuilder();
        NodeProto relu = g.getNodeList().stream().filter(n -> n.getOpType().equals("Relu")).findFirst().orElseThrow();
        g.setNode(g.getNodeList().indexOf(relu), relu.toBuilder().setOpType("Tanh"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OnnxImport.fromProto(b.build()));
        assertTrue(e.getMessage().startsWith("node '" + relu.getName() + "' (Tanh): operator Tanh is not supported"),
                e.getMessage());
        IOException notOnnx = assertThrows(IOException.class, () -> {
            Path p = Files.createTempFile("spdz4j", ".onnx");
            p.toFile().deleteOnExit();
            Files.write(p, new byte[]{1, 2, 3, 4, 5});
            OnnxImport.read(p);
        });
        assertTrue(notOnnx.getMessage().contains("is not an ONNX model"), notOnnx.getMessage());
    }
}
