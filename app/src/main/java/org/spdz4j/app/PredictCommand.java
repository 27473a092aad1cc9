package org.spdz4j.app;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.data.Evaluation;
import org.spdz4j.data.ImageInput;
import org.spdz4j.layers.FloatModel;
import org.spdz4j.layers.ModelFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code spdz predict}: classify images with a revealed model, in the clear, as its owner would. */
@Command(name = "predict", mixinStandardHelpOptions = true, showDefaultValues = true, description = "Classify images with a saved model (a spdz4j model file or ONNX), in the clear.")
final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model file written by 'spdz train --save-model', or an ONNX file (.onnx)")
    Path model;
    @Parameters(arity = "0..*", description = "PNG or JPEG images (converted to the model's channels and size; digits for an MNIST model)")
    List<Path> images = new java.util.ArrayList<>();
    @Option(names = "--data", description = "instead of images: a data folder (docs/data.md) whose test examples are "
            + "classified, printing the accuracy")
    Path data;
    @Option(names = "--test-images", defaultValue = "10000", description = "with --data: how many test examples")
    int testImages;
    @picocli.CommandLine.Mixin
    DataOptions dataOptions;

    @Override
    public Integer call() throws Exception {
        if ((data == null) == images.isEmpty()) {
            throw new IllegalArgumentException("give images, or --data DIR (not both)");
        }
        ModelFile file = Pretrained.read(model);
        if (data != null) {
            org.spdz4j.data.Dataset test = org.spdz4j.data.Dataset.load(data, false, dataOptions.layout(file.network()))
                    .scaled(file.scaling());
            // rows scaled as training scaled them; classes numbered by the model's, by name, one it lacks refused
            test = test.standardisedAs(file.features())
                    .inClasses(file.classes(), data.toString(), "the classes of " + model);
            double accuracy = Evaluation.accuracy(file.network(), file.params(), test, testImages);
            System.out.println(model + ": " + OutputOptions.accuracy(accuracy, Math.min(testImages, test.size())));
            return 0;
        }
        FloatModel m = file.floatModel(file.network().batchShape(1));
        int failed = 0;
        for (Path image : images) {
            try {
                double[] logits = m.forward(ImageInput.load(image, file.network().input(), file.scaling())).values();
                for (int i = 0; i < logits.length; i++) {
                    if (!Double.isFinite(logits[i])) { // a finite but huge model overflows: no p=NaN printed as a result
                        throw new ArithmeticException(image + ": the model's output " + i + " is " + logits[i]
                                + " for this image: " + model + " holds weights too large to classify it");
                    }
                }
                int k = Evaluation.argmax(logits, 0, logits.length);
                System.out.printf("%s: %s (p=%.3f)%n", image, file.className(k), softmax(logits)[k]);
            } catch (java.io.IOException | RuntimeException e) {
                System.err.println("predict: " + e.getMessage()); // the other images are still classified
                failed++;
            }
        }
        if (failed > 0) {
            System.err.printf("predict: %d of %d images could not be classified%n", failed, images.size());
        }
        return failed == 0 ? 0 : 1;
    }

    static double[] softmax(double[] z) {
        double max = Double.NEGATIVE_INFINITY;
        for (double v : z) {
            max = Math.max(max, v);
        }
        double[] p = new double[z.length];
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            p[i] = Math.exp(z[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < z.length; i++) {
            p[i] /= sum;
        }
        return p;
    }
}
