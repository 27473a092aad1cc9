package org.spdz4j.app;

import org.spdz4j.data.Evaluation;
import org.spdz4j.data.Dataset;
import org.spdz4j.data.ImageInput;
import org.spdz4j.data.TestData;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.Initializer;
import org.spdz4j.layers.ModelFile;
import org.spdz4j.layers.Network;
import org.spdz4j.layers.PolyRelu;
import org.spdz4j.layers.Sgd;

class ModelFileTest {
    @TempDir
    Path dir;

    private final Network net = Network.builder().addConv2d(1, 4, 3, 1, 1).addAvgPool2d(2)
            .add(new PolyRelu(2, 2.0)).addFlatten().addDense(784, 10).build();

    /** A model trained in the clear for a few steps: enough to classify most digits. */
    private List<double[]> trained() {
        FloatModel m = FloatModel.create(net, Shape.of(50, 1, 28, 28), new Initializer(3, 0.05), new Sgd(0.02, 0.9, 0));
        Dataset train = TestData.train();
        for (int s = 0; s < 40; s++) {
            int[] idx = new int[50];
            for (int i = 0; i < 50; i++) {
                idx[i] = s * 50 + i;
            }
            m.trainStep(train.images(idx), train.oneHot(idx));
        }
        return m.paramValues();
    }

    @Test
    void roundTripKeepsArchitectureAndEveryValue() throws IOException {
        List<double[]> params = trained();
        Path f = dir.resolve("model.spdz");
        ModelFile.write(f, net, TestData.scaling(), params);
        ModelFile back = ModelFile.read(f);
        assertEquals(net.describe(), back.network().describe());
        assertEquals(TestData.scaling(), back.scaling());
        assertEquals(params.size(), back.params().size());
        for (int i = 0; i < params.size(); i++) {
            assertArrayEquals(params.get(i), back.params().get(i));
        }
    }

    /**
     * A model written with its classes' names keeps them; {@code predict} answers by name, and
     * numbers a test set's classes by the model's, refusing one the model does not have. A file
     * of the format before the names (SPDZ4JM2) reads as unnamed.
     */
    @Test
    void aModelKeepsItsClassesNamesAndPredictAnswersByName() throws IOException {
        List<String> words = List.of("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine");
        Path f = dir.resolve("named.spdz");
        ModelFile.write(f, net, TestData.scaling(), trained(), words);
        ModelFile back = ModelFile.read(f);
        assertEquals(words, back.classes());
        assertEquals("seven", back.className(7));
        Path png = dir.resolve("named0.png");
        writePng(TestData.test(), 0, png, false);
        SpdzRun r = SpdzRun.of("predict", "--model", f.toString(), png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith(png + ": " + words.get(TestData.test().label(0)) + " (p="), r.out());
        SpdzRun digits = SpdzRun.of("predict", "--model", f.toString(), "--data", TestData.dir().toString(),
                "--test-images", "100");
        assertEquals(1, digits.code());
        assertTrue(digits.err().contains(TestData.dir() + ": class 0 of this data is not among (zero, one, two,")
                && digits.err().contains("the classes of " + f), digits.err());
        IllegalArgumentException few = assertThrows(IllegalArgumentException.class,
                () -> ModelFile.write(f, net, TestData.scaling(), trained(), List.of("cat", "dog")));
        assertEquals("2 class names for a network of 10 outputs", few.getMessage());

        Path unnamed = dir.resolve("unnamed.spdz");
        ModelFile.write(unnamed, net, TestData.scaling(), trained());
        assertEquals(List.of(), ModelFile.read(unnamed).classes());
        assertEquals("7", ModelFile.read(unnamed).className(7));
        List<double[]> params = ModelFile.read(unnamed).params();
        byte[] m3 = Files.readAllBytes(unnamed);   // as SPDZ4JM2 wrote it: no count of names, its own checksum
        byte[] m2 = java.util.Arrays.copyOf(m3, m3.length - 4);
        m2[7] = '2';
        java.util.zip.CRC32 crc = new java.util.zip.CRC32();
        crc.update(m2, 0, m2.length - 4);
        java.nio.ByteBuffer.wrap(m2, m2.length - 4, 4).putInt((int) crc.getValue());
        Files.write(unnamed, m2);
        ModelFile old = ModelFile.read(unnamed);
        assertEquals(List.of(), old.classes());
        for (int i = 0; i < params.size(); i++) {
            assertArrayEquals(params.get(i), old.params().get(i));
        }
    }

    @Test
    void predictsPngImagesLikeTheModelInMemory() throws IOException {
        List<double[]> params = trained();
        Path f = dir.resolve("model.spdz");
        ModelFile.write(f, net, TestData.scaling(), params);
        ModelFile file = ModelFile.read(f);
        FloatModel fromFile = file.floatModel(Shape.of(1, 1, 28, 28));
        Dataset test = TestData.test();
        int correct = 0;
        for (int i = 0; i < 20; i++) {
            Path png = dir.resolve("digit" + i + ".png");
            writePng(test, i, png, i % 2 == 1); // every other one black on white, as a scan would be
            int predicted = Evaluation.argmax(fromFile.forward(ImageInput.load(png, file.scaling())).values(), 0, 10);
            correct += predicted == test.label(i) ? 1 : 0;
        }
        assertTrue(correct >= 15, correct + " of 20 PNG digits classified correctly");
    }

    @Test
    void corruptOrTruncatedFilesAreRefusedClearly() throws IOException {
        Path f = dir.resolve("model.spdz");
        ModelFile.write(f, net, TestData.scaling(), trained());
        byte[] bytes = Files.readAllBytes(f);
        bytes[100] ^= 1;
        Files.write(f, bytes);
        IOException e = assertThrows(IOException.class, () -> ModelFile.read(f));
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
        Files.write(f, java.util.Arrays.copyOf(bytes, 6));
        assertThrows(IOException.class, () -> ModelFile.read(f));
        bytes[7] = '1'; // a model of the format before the input scaling was recorded
        Files.write(f, bytes);
        IOException old = assertThrows(IOException.class, () -> ModelFile.read(f));
        assertTrue(old.getMessage().contains("did not record the input scaling"), old.getMessage());
    }

    @Test
    void aModelHoldingNaNIsRefusedNamingTheParameter() throws IOException {
        List<double[]> params = trained();
        params.get(1)[0] = Double.NaN;
        Path f = dir.resolve("nan.spdz");
        ModelFile.write(f, net, TestData.scaling(), params);
        IOException e = assertThrows(IOException.class, () -> ModelFile.read(f));
        assertEquals(f + ": parameter 1 holds NaN at 0: the model is unusable (did its training diverge?)", e.getMessage());
    }

    /** A finite but huge model overflows on an image: refused naming it, exit 1 (it printed p=NaN and exited 0). */
    @Test
    void predictRefusesAModelWhoseOutputsAreNotFinite() throws IOException {
        List<double[]> params = trained();
        java.util.Arrays.fill(params.get(0), 1e200); // finite; the activation squares it past the largest double
        Path model = dir.resolve("huge.spdz");
        ModelFile.write(model, net, TestData.scaling(), params);
        Path png = dir.resolve("digit.png");
        writePng(TestData.test(), 0, png, false);
        SpdzRun r = SpdzRun.of("predict", "--model", model.toString(), png.toString());
        assertEquals(1, r.code());
        assertEquals("", r.out(), "no result line");
        String e = r.err();
        assertTrue(e.contains(png + ": the model's output") && e.contains("holds weights too large")
                && (e.contains("Infinity for this image") || e.contains("NaN for this image")), e);
    }

    @Test
    void predictNamesAMissingOrOversizedImageAndStillClassifiesTheOthers() throws IOException {
        Path model = dir.resolve("model.spdz");
        ModelFile.write(model, net, TestData.scaling(), trained());
        Path good = dir.resolve("good.png");
        writePng(TestData.test(), 0, good, false);
        Path huge = dir.resolve("huge.png");
        ImageIO.write(new BufferedImage(4097, 4097, BufferedImage.TYPE_BYTE_GRAY), "png", huge.toFile());
        Path missing = dir.resolve("missing.png");

        SpdzRun r = SpdzRun.of("predict", "--model", model.toString(), missing.toString(), huge.toString(), good.toString());
        assertEquals(1, r.code());
        assertTrue(r.out().startsWith(good + ": " + TestData.test().label(0)), r.out());
        String errors = r.err();
        assertTrue(errors.contains(missing + " does not exist or is not a file"), errors);
        assertTrue(errors.contains(huge + " is 4097 x 4097 pixels, more than the 16777216 decoded"), errors);
        assertTrue(errors.contains("2 of 3 images could not be classified"), errors);
    }

    static void writePng(Dataset data, int index, Path png, boolean invert) throws IOException {
        double[] v = data.images(new int[]{index}).values();
        BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        for (int p = 0; p < 784; p++) {
            int grey = (int) Math.round((v[p] * TestData.scaling().sd() + TestData.scaling().mean()) * 255);
            img.getRaster().setSample(p % 28, p / 28, 0, invert ? 255 - grey : grey);
        }
        ImageIO.write(img, "png", png.toFile());
    }
}
