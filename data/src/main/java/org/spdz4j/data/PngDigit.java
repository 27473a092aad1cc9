package org.spdz4j.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
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

    /** Largest image decoded: 4096 x 4096 pixels (64 MiB as ARGB); larger ones are refused before decoding. */
    static final long MAX_PIXELS = 4096L * 4096;

    public static FloatTensor load(Path file, InputScaling scaling) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " does not exist or is not a file");
        }
        BufferedImage src;
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IOException(file + " is not an image ImageIO can read");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new IOException(file + " is " + reader.getWidth(0) + " x " + reader.getHeight(0)
                            + " pixels, more than the " + MAX_PIXELS + " this command decodes");
                }
                src = reader.read(0);
            } finally {
                reader.dispose();
            }
        }
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
