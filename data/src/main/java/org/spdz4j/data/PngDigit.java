package org.spdz4j.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.layers.FloatTensor;
import org.spdz4j.layers.InputScaling;

/**
 * A PNG (or any ImageIO format) as an MNIST-style input: grey, resized to 28x28, inverted
 * when the background is light (MNIST digits are light on dark), scaled as the model's training data was.
 */
public final class PngDigit {
    private PngDigit() {
    }

    /** A grey 28x28 digit from {@code file}, light on dark, scaled by {@code scaling}: (1, 1, 28, 28). */
    public static FloatTensor load(Path file, InputScaling scaling) throws IOException {
        BufferedImage src = ImageFolder.read(file);
        BufferedImage grey = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
        Graphics2D g = grey.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, 28, 28, null);
        g.dispose();
        double[] v = new double[784];
        double mean = 0;
        for (int i = 0; i < 784; i++) {
            v[i] = grey.getRaster().getSample(i % 28, i / 28, 0);
            mean += v[i] / 784;
        }
        for (int i = 0; i < 784; i++) {
            double p = mean > 127 ? 255 - v[i] : v[i];
            v[i] = scaling.apply(p / 255.0);
        }
        return new FloatTensor(Shape.of(1, 1, 28, 28), v);
    }
}
