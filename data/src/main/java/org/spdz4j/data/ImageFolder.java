package org.spdz4j.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import org.spdz4j.core.ring.Shape;

/**
 * Image folders: {@code DIR/train/CLASS/*.png|jpg|jpeg} and {@code DIR/test/CLASS/...}. The
 * classes are the training folder's subfolders, sorted by name; every image is converted to the
 * network's channels (1: grey, 3: RGB) and resized to its height and width (bilinear), or, with
 * resizing off, must already have that size. Examples are ordered by class, then by file name.
 */
final class ImageFolder {
    /** Largest image decoded: 4096 x 4096 pixels; larger ones are refused before decoding. */
    static final long MAX_PIXELS = 4096L * 4096;

    private ImageFolder() {
    }

    /** One image file and its class. */
    private record Item(Path file, int label) {
    }

    static Dataset load(Path dir, boolean train, Dataset.Layout layout, boolean inputs, boolean labels) throws IOException {
        Shape input = layout.input();
        boolean resize = layout.resize();
        requireImageInput(dir, input);
        List<String> classes = subfolders(dir.resolve("train"), layout.fewestClasses());
        Path set = dir.resolve(train ? "train" : "test");
        List<Item> items = items(set, classes, train, layout.fewestClasses());
        int plane = input.size();
        byte[] px = null;
        if (inputs) {
            if ((long) items.size() * plane > Integer.MAX_VALUE - 8) {
                throw new IOException(set + ": " + items.size() + " images of " + input + " do not fit in memory at once");
            }
            px = new byte[items.size() * plane];
            for (int i = 0; i < items.size(); i++) {
                decode(items.get(i).file(), input, resize, px, i * plane);
            }
        }
        short[] lb = null;
        if (labels) {
            lb = new short[items.size()];
            for (int i = 0; i < lb.length; i++) {
                lb[i] = (short) items.get(i).label();
            }
        }
        return Dataset.ofImages(px, lb, items.size(), input, classes);
    }

    /** A flat folder of images, each one's id its file name without the extension, in name order. */
    static Dataset.Named loadNamed(Path folder, Shape input, boolean resize) throws IOException {
        requireImageInput(folder, input);
        List<Path> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(folder)) {
            s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().forEach(files::add);
        }
        List<String> ids = new ArrayList<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (Path f : files) {
            requireImageFile(f);
            String name = f.getFileName().toString();
            String id = name.substring(0, name.lastIndexOf('.'));
            if (!seen.add(id)) {
                throw new IOException(f + ": sample id " + id + " names two images in " + folder);
            }
            ids.add(id);
        }
        if (files.isEmpty()) {
            throw new IOException(folder + " holds no image");
        }
        int plane = input.size();
        byte[] px = new byte[files.size() * plane];
        for (int i = 0; i < files.size(); i++) {
            decode(files.get(i), input, resize, px, i * plane);
        }
        return new Dataset.Named(ids, Dataset.ofImages(px, null, files.size(), input, List.of()));
    }

    /**
     * Writes {@code size} images of shape {@code example} (bytes, channels first) as a training
     * folder: {@code set/CLASS/000017.png}, {@code classOf} naming image i's class.
     */
    static void writeTrainingSet(Path set, byte[] pixels, Shape example, int size, java.util.function.IntFunction<String> classOf)
            throws IOException {
        for (int i = 0; i < size; i++) {
            Path folder = Files.createDirectories(set.resolve(classOf.apply(i)));
            writePng(folder.resolve(String.format("%06d.png", i)), pixels, example, i);
        }
    }

    /** Writes image i of {@code pixels} as {@code folder/ID.png}, ids.get(i) its id: a holder's flat folder. */
    static void writeNamed(Path folder, byte[] pixels, Shape example, List<String> ids) throws IOException {
        Files.createDirectories(folder);
        for (int i = 0; i < ids.size(); i++) {
            writePng(folder.resolve(ids.get(i) + ".png"), pixels, example, i);
        }
    }

    /** Image {@code i} of {@code pixels}, grey or RGB as {@code example}'s channels say, as a PNG file (lossless). */
    private static void writePng(Path file, byte[] pixels, Shape example, int i) throws IOException {
        requireImageInput(file, example);
        int c = example.dim(0);
        int h = example.dim(1);
        int w = example.dim(2);
        int at = i * example.size();
        BufferedImage img = new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = y * w + x;
                if (c == 1) {
                    img.getRaster().setSample(x, y, 0, pixels[at + p] & 0xff);
                } else {
                    img.setRGB(x, y, (pixels[at + p] & 0xff) << 16 | (pixels[at + h * w + p] & 0xff) << 8
                            | pixels[at + 2 * h * w + p] & 0xff);
                }
            }
        }
        if (!ImageIO.write(img, "png", file.toFile())) {
            throw new IOException("no PNG writer for " + file);
        }
    }

    private static void requireImageInput(Path dir, Shape input) throws IOException {
        if (input.rank() != 3 || (input.dim(0) != 1 && input.dim(0) != 3)) {
            throw new IOException(dir + " holds images, but the network's input is " + input
                    + ": give it [1, height, width] (grey) or [3, height, width] (RGB)");
        }
    }

    private static void requireImageFile(Path f) throws IOException {
        String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
        if (!Files.isRegularFile(f) || !(name.endsWith(".png") || name.endsWith(".jpg") || name.endsWith(".jpeg"))) {
            throw new IOException(f + " is not a PNG or JPEG image (an image folder holds only .png, .jpg and .jpeg "
                    + "files; move anything else out)");
        }
    }

    /** The class folders of {@code folder}, sorted, refused if fewer than {@code fewest}. */
    private static List<String> subfolders(Path folder, int fewest) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IOException("image folder " + folder + " not found (DIR/train/CLASS/*.png and DIR/test/CLASS/*.png)");
        }
        List<String> names = new ArrayList<>();
        try (Stream<Path> s = Files.list(folder)) {
            s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).filter(n -> !n.startsWith(".")).sorted()
                    .forEach(names::add);
        }
        if (names.size() < fewest) {
            throw new IOException(folder + " has " + names.size() + " class folder(s): " + (fewest == 1
                    ? "one subfolder per class" : "a classifier needs at least two (one subfolder per class)"));
        }
        if (names.size() > Short.MAX_VALUE) {
            throw new IOException(folder + " has " + names.size() + " class folders, more than " + Short.MAX_VALUE);
        }
        return List.copyOf(names);
    }

    private static List<Item> items(Path set, List<String> classes, boolean train, int fewest) throws IOException {
        List<String> present = subfolders(set, fewest);
        for (String c : present) {
            if (!classes.contains(c)) {
                throw new IOException(set.resolve(c) + " is a class the training folder " + set.resolveSibling("train")
                        + " does not have (its classes: " + String.join(", ", classes) + ")");
            }
        }
        List<Item> items = new ArrayList<>();
        for (int k = 0; k < classes.size(); k++) {
            Path folder = set.resolve(classes.get(k));
            List<Path> files = new ArrayList<>();
            if (Files.isDirectory(folder)) {
                try (Stream<Path> s = Files.list(folder)) {
                    s.filter(p -> !p.getFileName().toString().startsWith(".")).sorted().forEach(files::add);
                }
            }
            for (Path f : files) {
                requireImageFile(f);
                items.add(new Item(f, k));
            }
            if (files.isEmpty() && train) {
                throw new IOException("class " + classes.get(k) + " has no example: " + folder + " is empty or missing");
            }
        }
        if (items.isEmpty()) {
            throw new IOException(set + " holds no image");
        }
        return items;
    }

    /** Decodes {@code file} into {@code out} from {@code at}: channels first, as {@code input} says. */
    static void decode(Path file, Shape input, boolean resize, byte[] out, int at) throws IOException {
        BufferedImage src = read(file);
        int c = input.dim(0);
        int h = input.dim(1);
        int w = input.dim(2);
        if (!resize && (src.getWidth() != w || src.getHeight() != h)) {
            throw new IOException(file + " is " + src.getWidth() + " x " + src.getHeight() + " pixels, but the network takes "
                    + w + " x " + h + " and resizing is off");
        }
        BufferedImage sized = new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        Graphics2D g = sized.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(src, 0, 0, w, h, null);
        g.dispose();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                if (c == 1) {
                    out[at + y * w + x] = (byte) sized.getRaster().getSample(x, y, 0);
                } else {
                    int rgb = sized.getRGB(x, y);
                    out[at + y * w + x] = (byte) (rgb >> 16);
                    out[at + h * w + y * w + x] = (byte) (rgb >> 8);
                    out[at + 2 * h * w + y * w + x] = (byte) rgb;
                }
            }
        }
    }

    /** Reads an image with ImageIO, refusing what it cannot read and images over {@link #MAX_PIXELS}. */
    static BufferedImage read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IOException(file + " does not exist or is not a file");
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
            Iterator<ImageReader> readers = in == null ? null : ImageIO.getImageReaders(in);
            if (readers == null || !readers.hasNext()) {
                throw new IOException(file + " is not an image ImageIO can read (corrupt, or not a PNG or JPEG)");
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > MAX_PIXELS) {
                    throw new IOException(file + " is " + reader.getWidth(0) + " x " + reader.getHeight(0)
                            + " pixels, more than the " + MAX_PIXELS + " decoded");
                }
                return reader.read(0);
            } catch (IOException | RuntimeException e) {
                if (e.getMessage() != null && e.getMessage().startsWith(file.toString())) {
                    throw e;
                }
                throw new IOException(file + " cannot be decoded: " + e.getMessage(), e);
            } finally {
                reader.dispose();
            }
        }
    }
}
