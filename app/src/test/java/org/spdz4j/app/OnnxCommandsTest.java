package org.spdz4j.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.spdz4j.data.TestData;

/**
 * The model's way out and back in: {@code spdz export} to ONNX, {@code spdz predict} on the ONNX
 * file, and {@code --init-from} fine-tuning on shares from it, in one JVM and as three processes.
 */
class OnnxCommandsTest {
    @TempDir
    static Path dir;
    private static Path model;
    private static Path onnx;

    /** A model of the small network trained 100 steps in the clear, written and exported. */
    @BeforeAll
    static void trainAndExport() {
        model = dir.resolve("small.spdz");
        onnx = dir.resolve("small.onnx");
        SpdzRun train = SpdzRun.of("train", "--plaintext", "--data", TestData.dir().toString(), "--network", "small",
                "--train-images", "3200", "--test-images", "100", "--save-model", model.toString(), "--quiet");
        assertEquals(0, train.code(), train.out() + train.err());
        SpdzRun export = SpdzRun.of("export", "--model", model.toString(), "--onnx", onnx.toString());
        assertEquals(0, export.code(), export.err());
        assertTrue(export.out().startsWith(onnx + " written: conv2d(1,4"), export.out());
    }

    private static double accuracy(String out) {
        Matcher m = Pattern.compile("test accuracy ([0-9.]+)%").matcher(out);
        assertTrue(m.find(), out);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void predictGivesTheSameAnswerFromTheOnnxFile() throws Exception {
        for (int i = 0; i < 5; i++) {
            Path png = dir.resolve("digit" + i + ".png");
            ModelFileTest.writePng(TestData.test(), i, png, false);
            SpdzRun own = SpdzRun.of("predict", "--model", model.toString(), png.toString());
            SpdzRun exported = SpdzRun.of("predict", "--model", onnx.toString(), png.toString());
            assertEquals(0, exported.code(), exported.err());
            assertEquals(own.out(), exported.out());   // the digit and its probability to three places
        }
    }

    /**
     * Ten MPC steps at a small learning rate from the pretrained model keep it near its accuracy;
     * the same ten steps from random weights stay far below: the pretrained weights were used.
     */
    @Test
    void fineTuningOnSharesStartsFromTheOnnxModel() {
        String[] run = {"train", "--data", TestData.dir().toString(), "--network", "small", "--train-images", "320", "--lr", "0.002",
                "--test-images", "500", "--quiet"};
        SpdzRun tuned = SpdzRun.of(concat(run, "--init-from", onnx.toString()));
        assertEquals(0, tuned.code(), tuned.out() + tuned.err());
        SpdzRun scratch = SpdzRun.of(run);
        assertEquals(0, scratch.code(), scratch.err());
        System.out.printf("10 MPC steps: from the ONNX model %.2f%%, from random weights %.2f%%%n",
                accuracy(tuned.out()), accuracy(scratch.out()));
        assertTrue(accuracy(tuned.out()) >= 80, tuned.out());
        assertTrue(accuracy(tuned.out()) >= accuracy(scratch.out()) + 20, tuned.out() + scratch.out());
    }

    @Test
    void aModelOfAnotherNetworkOrNoneIsRefused() {
        SpdzRun other = SpdzRun.of("train", "--data", TestData.dir().toString(), "--network", "narrow", "--init-from",
                onnx.toString(), "--train-images", "320");
        assertNotEquals(0, other.code());
        assertTrue(other.err().contains("--init-from " + onnx + " holds the network conv2d(1,4"), other.err());
        SpdzRun none = SpdzRun.of("train", "--data", TestData.dir().toString(), "--init", "pretrained", "--train-images", "320");
        assertNotEquals(0, none.code());
        assertTrue(none.err().contains("give --init-from FILE"), none.err());
    }

    /** As three processes: P0 alone is given the file, P1 and the dealer are told --init pretrained. */
    @Test
    void theDemoGivesThePretrainedModelToP0Only() throws Exception {
        Path runDir = dir.resolve("run");
        Path log = dir.resolve("demo.log");
        Process p = Launcher.start(List.of("demo", "--data", TestData.dir().toString(), "--network", "small",
                "--init-from", onnx.toString(),
                "--train-images", "320", "--lr", "0.002", "--test-images", "500", "--no-progress", "--dir", runDir.toString()), log);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "the demo ended");
        String out = Files.readString(log);
        assertEquals(0, p.exitValue(), out);
        assertTrue(accuracy(out) >= 80, out);
        String p1 = Files.readString(runDir.resolve("P1.log"));
        assertTrue(!p1.contains(onnx.toString()), "P1 was not given the model's file: " + p1);
    }

    private static String[] concat(String[] a, String... b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
