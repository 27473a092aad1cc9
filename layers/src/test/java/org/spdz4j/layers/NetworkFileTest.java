package org.spdz4j.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.ring.Shape;

/** Network files: the catalogue's files against the networks it used to build in Java, users' files, and their errors. */
class NetworkFileTest {
    private static final Layer POOL = Networks.maxPool();
    private static final Layer ACT = Networks.relu();

    /** What the catalogue built in Java before its networks became files: the reference each file must equal. */
    private static Network.Builder reference(String name, Layer p, Layer a, boolean s) {
        return switch (name) {
            case "narrow" -> twoConvolutions(16, 32, p, a, s);
            case "seed" -> twoConvolutions(32, 32, p, a, s);
            case "conv64" -> twoConvolutions(32, 64, p, a, s);
            case "small" -> cut(Network.builder().addConv2d(1, 4, 3, 1, 1).add(p).add(a).addFlatten(), s).addDense(784, 10);
            case "tutorial" -> cut(Network.builder().addConv2d(1, 32, 3, 1, 0).addBatchNorm2d(32).add(a).add(p)
                    .addConv2d(32, 64, 3, 1, 0).addBatchNorm2d(64).add(a).add(p).addFlatten(), s)
                    .addDense(1600, 128).add(a).addDense(128, 10);
            case "cnn" -> cut(Network.builder().addConv2d(1, 32, 3, 1, 0).add(a).addConv2d(32, 64, 3, 1, 0).add(a).add(p)
                    .addFlatten(), s).addDense(9216, 128).add(a).addDense(128, 10);
            default -> throw new AssertionError(name);
        };
    }

    private static Network.Builder twoConvolutions(int first, int second, Layer p, Layer a, boolean s) {
        return cut(Network.builder().addConv2d(1, first, 3, 1, 1).add(p).add(a).addConv2d(first, second, 3, 1, 1).add(p)
                .add(a).addFlatten(), s).addDense(second * 49, 10);
    }

    private static Network.Builder cut(Network.Builder b, boolean split) {
        return split ? b.addSplit() : b;
    }

    @Test
    void everyCatalogueFileIsTheNetworkItsNameBuilt(@TempDir Path dir) throws IOException {
        for (String name : Networks.names()) {
            for (boolean split : new boolean[]{false, true}) {
                for (Layer[] recipe : new Layer[][]{{POOL, ACT}, {new AvgPool2d(2), new PolyRelu(2, 2.0)}}) {
                    if (name.equals("tutorial") && recipe[0] instanceof AvgPool2d) {   // 11x11 does not halve
                        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                                () -> Networks.build(name, recipe[0], recipe[1], split));
                        assertTrue(e.getMessage().startsWith("network tutorial: layer 8 (avgpool2d(2)) gets [1, 64, 11, 11]"),
                                e.getMessage());
                        continue;
                    }
                    String expected = reference(name, recipe[0], recipe[1], split).build().describe();
                    assertEquals(expected, Networks.build(name, recipe[0], recipe[1], split).describe(), name);
                    Path copy = dir.resolve(name + ".yaml");   // the same text as a user's file
                    Files.writeString(copy, Networks.text(name));
                    assertEquals(expected, Networks.build(copy.toString(), recipe[0], recipe[1], split).describe(), name);
                }
            }
        }
    }

    /** The same network, from the name and from its file, trains bit for bit alike (the float twin, two steps). */
    @Test
    void aFileTrainsBitForBitAsItsName(@TempDir Path dir) throws IOException {
        Path copy = dir.resolve("narrow.yaml");
        Files.writeString(copy, Networks.text("narrow"));
        List<double[]> byName = twoSteps(Networks.build("narrow", POOL, ACT, false));
        List<double[]> byFile = twoSteps(Networks.build(copy.toString(), POOL, ACT, false));
        for (int i = 0; i < byName.size(); i++) {
            assertArrayEquals(byName.get(i), byFile.get(i), 0.0, "parameter " + i);
        }
    }

    private static List<double[]> twoSteps(Network net) {
        FloatModel m = FloatModel.create(net, net.batchShape(4), new Initializer(7, 0.05), new Sgd(0.1, 0.9, 0));
        SplittableRandom r = new SplittableRandom(3);
        for (int s = 0; s < 2; s++) {
            double[] x = r.doubles(4 * 784, 0, 1).toArray();
            double[] y = new double[40];
            for (int i = 0; i < 4; i++) {
                y[i * 10 + r.nextInt(10)] = 1;
            }
            m.trainStep(new FloatTensor(net.batchShape(4), x), new FloatTensor(Shape.of(4, 10), y));
        }
        return m.paramValues();
    }

    @Test
    void aUsersFileTakesRgbImagesAndTabularFeatures() {
        Network rgb = NetworkFile.parse("""
                input: [3, 8, 8]
                layers:
                  - conv2d: {in: 3, out: 4, kernel: 3, padding: 1, bias: true}
                  - max_pool2d: 2
                  - relu
                  - flatten
                  - dense: {in: 64, out: 2}
                """, "rgb.yaml", POOL, ACT, false);
        assertTrue(rgb.describe().startsWith("input(3,8,8) conv2d(3,4,k=3,s=1,p=1,bias) "), rgb.describe());
        assertEquals(Shape.of(3, 8, 8), rgb.input());
        assertEquals(Shape.of(5, 2), rgb.outputShape(rgb.batchShape(5)));
        assertEquals(rgb.describe(), NetworkDescription.parse(rgb.describe()).describe());
        assertEquals(Shape.of(3, 8, 8), NetworkDescription.parse(rgb.describe()).input());
        Network narrowed = NetworkFile.parse("""
                input: [1, 8, 8]
                layers:
                  - conv2d: {in: 1, out: 4, kernel: 3, padding: 1}
                  - max_pool2d: {kernel: 2, bits: 33}
                  - relu: {bits: 33}
                  - flatten
                  - dense: {in: 64, out: 2}
                """, "narrowed.yaml", POOL, ACT, false);
        assertTrue(narrowed.describe().contains(" maxpool2d(2,k=33) relu(k=33) "), narrowed.describe());
        assertEquals(narrowed.describe(), NetworkDescription.parse(narrowed.describe()).describe());
        Network tabular = NetworkFile.parse("""
                input: [30]
                layers: [{dense: {in: 30, out: 16}}, activation, {dense: {in: 16, out: 3}}]
                loss: mse
                """, "t.yaml", POOL, new PolyRelu(2, 2.0), false);
        assertEquals("input(30) dense(30,16) polyrelu(degree=2,a=2.0) dense(16,3) mse", tabular.describe());
    }

    @Test
    void shapeErrorsNameTheLayerAndBothShapes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NetworkFile.parse("""
                input: [3, 8, 8]
                layers:
                  - conv2d: {in: 3, out: 4, kernel: 3, padding: 1}
                  - flatten
                  - dense: {in: 100, out: 2}
                """, "bad.yaml", POOL, ACT, false));
        assertTrue(e.getMessage().startsWith("bad.yaml: layer 3 (dense(100,2)) gets [1, 256] from layer 2 (flatten)"),
                e.getMessage());
        assertTrue(e.getMessage().contains("expects input (N, 100)"), e.getMessage());
        IllegalArgumentException channels = assertThrows(IllegalArgumentException.class, () -> NetworkFile.parse("""
                input: [1, 8, 8]
                layers: [{conv2d: {in: 3, out: 4, kernel: 3}}]
                """, "c.yaml", POOL, ACT, false));
        assertTrue(channels.getMessage().contains("layer 1 (conv2d(3,4,k=3,s=1,p=0)) gets [1, 1, 8, 8] (the input)"),
                channels.getMessage());
    }

    @Test
    void mistakesInTheFileAreRefusedNamingTheLayer() {
        Map<String, String> cases = Map.of(
                "input: [1, 28, 28]\nlayers: [{conv2d: {in: 1, out: 4, kernal: 3}}]\n", "x.yaml, layer 1 (conv2d): unknown setting 'kernal'",
                "input: [1, 28, 28]\nlayers: [flatten, {dense: {in: 784}}]\n", "x.yaml, layer 2 (dense) needs 'out'",
                "input: [1, 28, 28]\nlayers: [flatten, softmax]\n", "x.yaml, layer 2: unknown layer 'softmax'",
                "input: [28, 28]\nlayers: [flatten]\n", "x.yaml: 'input' must be [channels, height, width] or [features]",
                "input: [1, 28, 28]\nlayers: [flatten, {dense: {in: 784, out: 10}}]\nloss: hinge\n", "x.yaml: unknown loss 'hinge'",
                "input: [1, 28, 28]\nlayer: [flatten]\n", "x.yaml: unknown setting 'layer'",
                "input: [1, 28, 28\n", "x.yaml is not valid YAML",
                "input: [1, 28, 28]\nlayers: [{relu: {bits: 1}}]\n", "x.yaml, layer 1 (relu): 'bits' (the comparison's width) must be 2 to 127, not 1",
                "input: [1, 28, 28]\nlayers: [{max_pool2d: {kernel: 2, bitz: 30}}]\n", "x.yaml, layer 1 (max_pool2d): unknown setting 'bitz'");
        cases.forEach((text, message) -> {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> NetworkFile.parse(text, "x.yaml", POOL, ACT, false), text);
            assertTrue(e.getMessage().startsWith(message), e.getMessage());
        });
        IllegalArgumentException noSplit = assertThrows(IllegalArgumentException.class, () -> NetworkFile.parse(
                "input: [4]\nlayers: [{dense: {in: 4, out: 2}}]\n", "y.yaml", POOL, ACT, true));
        assertTrue(noSplit.getMessage().startsWith("y.yaml has no 'split' layer"), noSplit.getMessage());
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Networks.build("no-such-net", POOL, ACT, false));
        assertTrue(unknown.getMessage().startsWith("unknown network 'no-such-net': neither a network of the catalogue (narrow"),
                unknown.getMessage());
    }

    /** Batch norm or dropout where shares would compute them is refused before anything runs, naming the layer. */
    @Test
    void aPlaintextOnlyLayerOnSharesIsRefusedNamingIt() {
        Network tutorial = Networks.build("tutorial", POOL, ACT, true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Networks.build("tutorial", POOL, ACT, false).requireComputableOnShares("MPC training"));
        assertTrue(e.getMessage().startsWith("layer 2 (batchnorm2d(32)) runs only in plaintext and cannot be computed "
                + "on shares in MPC training: remove it, or train with split learning"), e.getMessage());
        tutorial.top().requireComputableOnShares("the secure top");   // below the split it is fine
        assertEquals(Shape.of(1600), tutorial.top().input());
    }
}
