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
 * One image file (PNG, JPEG or any ImageIO format) as a model's input, scaled as the model's
 * training data was: for an MNIST-shaped model (1, 28, 28) a digit (grey, resized, inverted when
 * the background is light: MNIST digits are light on dark); for any other image model, converted
 * to its channels and resized to its height and width as image folders are for training.
 *
 * <pre>{@code
 * FloatTensor x = ImageInput.load(Path.of("cat.jpg"), Shape.of(3, 32, 32), model.scaling());   // (1, 3, 32, 32)
 * }</pre>
 */
public final class ImageInput {
    private ImageInput() {
    }

    /**
     * {@code file} as the input of a model taking {@code input} (one example's shape), scaled by
     * {@code scaling}: (1, channels, height, width).
     *
     * @throws IOException naming the file when it is no image, too large, or the model takes no image
     */
    public static FloatTensor load(Path file, Shape input, InputScaling scaling) throws IOException {
        if (input.equals(Shape.of(1, 28, 28))) {
            return load(file, scaling);
        }
        if (input.rank() != 3 || (input.dim(0) != 1 && input.dim(0) != 3)) {
            throw new IOException(file + ": the model takes " + input + ", not a grey or RGB image");
        }
        byte[] px = new byte[input.size()];
        ImageFolder.decode(file, input, true, px, 0);
        double[] v = new double[px.length];
        for (int i = 0; i < v.length; i++) {
            v[i] = scaling.apply((px[i] & 0xff) / 255.0);
        }
        return new FloatTensor(Shape.of(1, input.dim(0), input.dim(1), input.dim(2)), v);
    }

    /**
     * As {@link #load(Path, Shape, InputScaling)}; without {@code resize}, an image whose width or
     * height is not the model's is refused naming both sizes.
     */
    public static FloatTensor load(Path file, Shape input, InputScaling scaling, boolean resize) throws IOException {
        if (!resize && input.rank() == 3) {
            BufferedImage src = ImageFolder.read(file);
            if (src.getWidth() != input.dim(2) || src.getHeight() != input.dim(1)) {
                throw new IOException(file + " is " + src.getWidth() + " x " + src.getHeight() + " pixels, but the model takes "
                        + input.dim(2) + " x " + input.dim(1) + " and resizing is off");
            }
        }
        return load(file, input, scaling);
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
