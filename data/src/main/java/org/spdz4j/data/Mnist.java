package org.spdz4j.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.spdz4j.core.ring.Shape;
import org.spdz4j.layers.FloatTensor;
import org.spdz4j.layers.InputScaling;

/**
 * The MNIST database in IDX format, gzipped or not ({@code train-images-idx3-ubyte[.gz]}, ...).
 * Checks magic numbers, dimensions, counts and truncation, and says which file is wrong.
 *
 * <pre>{@code
 * Mnist train = Mnist.load(Path.of("data/mnist"), true);
 * InputScaling s = train.fitScaling(train.size());     // the owner's pixels: mean 0, sd 1
 * FloatTensor x = train.scaled(s).images(new int[]{0, 1, 2});   // (3, 1, 28, 28)
 * }</pre>
 */
public final class Mnist {
    static final int IMAGE_MAGIC = 2051;
    static final int LABEL_MAGIC = 2049;
    private final byte[] pixels;
    private final byte[] labels;
    private final int size;
    private final int rows;
    private final int cols;
    private final InputScaling scaling; // null until the owner chose one

    private Mnist(byte[] pixels, byte[] labels, int size, int rows, int cols, InputScaling scaling) {
        this.pixels = pixels;
        this.labels = labels;
        this.size = size;
        this.rows = rows;
        this.cols = cols;
        this.scaling = scaling;
    }

    /** The training set ({@code train}) or the test set ({@code t10k}) from {@code dir}. */
    public static Mnist load(Path dir, boolean train) throws IOException {
        return load(dir, train, true, true);
    }

    /** Only the images: what the images' owner P0 has. */
    public static Mnist loadImages(Path dir, boolean train) throws IOException {
        return load(dir, train, true, false);
    }

    /** Only the labels: what the labels' owner P1 has. */
    public static Mnist loadLabels(Path dir, boolean train) throws IOException {
        return load(dir, train, false, true);
    }

    private static Mnist load(Path dir, boolean train, boolean withImages, boolean withLabels) throws IOException {
        String prefix = train ? "train" : "t10k";
        int[] dims = {0, 28, 28};
        byte[] px = null;
        if (withImages) {
            px = read(find(dir, prefix + "-images-idx3-ubyte"), IMAGE_MAGIC, dims);
        }
        byte[] lb = null;
        if (withLabels) {
            Path labelFile = find(dir, prefix + "-labels-idx1-ubyte");
            int[] ldims = new int[1];
            lb = read(labelFile, LABEL_MAGIC, ldims);
            if (withImages && dims[0] != ldims[0]) {
                throw new IOException(dir + ": " + dims[0] + " images but " + ldims[0] + " labels in " + labelFile);
            }
            for (int i = 0; i < lb.length; i++) {
                if (lb[i] < 0 || lb[i] > 9) {
                    throw new IOException(labelFile + ": label " + lb[i] + " at index " + i + " is not a digit");
                }
            }
            dims[0] = ldims[0];
        }
        return new Mnist(px, lb, dims[0], dims[1], dims[2], null);
    }

    /** The images of one IDX image file (gzipped or not): a data holder's own file. */
    public static Mnist readImages(Path file) throws IOException {
        int[] dims = {0, 28, 28};
        byte[] px = read(file, IMAGE_MAGIC, dims);
        return new Mnist(px, null, dims[0], dims[1], dims[2], null);
    }

    /** Writes these images as a gzipped IDX image file that {@link #readImages} reads. */
    public void writeImages(Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new java.util.zip.GZIPOutputStream(
                new java.io.BufferedOutputStream(Files.newOutputStream(file)), 1 << 16))) {
            out.writeInt(IMAGE_MAGIC);
            out.writeInt(size);
            out.writeInt(rows);
            out.writeInt(cols);
            out.write(pixels());
        }
    }

    /** Images and labels from one IDX file each (a federated client's own part), refused unless they count alike. */
    public static Mnist readLabeled(Path images, Path labels) throws IOException {
        Mnist px = readImages(images);
        int[] dims = new int[1];
        byte[] lb = read(labels, LABEL_MAGIC, dims);
        if (dims[0] != px.size) {
            throw new IOException(images + " holds " + px.size + " images but " + labels + " " + dims[0] + " labels");
        }
        for (int i = 0; i < lb.length; i++) {
            if (lb[i] < 0 || lb[i] > 9) {
                throw new IOException(labels + ": label " + lb[i] + " at index " + i + " is not a digit");
            }
        }
        return new Mnist(px.pixels, lb, px.size, px.rows, px.cols, null);
    }

    /** Writes these labels as a gzipped IDX label file that {@link #readLabeled} reads. */
    public void writeLabels(Path file) throws IOException {
        try (DataOutputStream out = new DataOutputStream(new java.util.zip.GZIPOutputStream(
                new java.io.BufferedOutputStream(Files.newOutputStream(file))))) {
            out.writeInt(LABEL_MAGIC);
            out.writeInt(size);
            out.write(labels());
        }
    }

    /** Samples {@code indices} of this set, in that order (images, labels, whichever it holds, and its scaling). */
    public Mnist select(int[] indices) {
        int plane = rows * cols;
        byte[] px = pixels == null ? null : new byte[indices.length * plane];
        byte[] lb = labels == null ? null : new byte[indices.length];
        for (int i = 0; i < indices.length; i++) {
            if (px != null) {
                System.arraycopy(pixels, indices[i] * plane, px, i * plane, plane);
            }
            if (lb != null) {
                lb[i] = labels[indices[i]];
            }
        }
        return new Mnist(px, lb, indices.length, rows, cols, scaling);
    }

    private static Path find(Path dir, String name) throws IOException {
        for (Path p : new Path[]{dir.resolve(name + ".gz"), dir.resolve(name)}) {
            if (Files.isRegularFile(p)) {
                return p;
            }
        }
        throw new IOException("MNIST file " + name + "[.gz] not found in " + dir.toAbsolutePath()
                + " (see README: how to obtain MNIST)");
    }

    /** Reads an IDX file with the given magic; {@code dims} receives its dimensions. */
    static byte[] read(Path file, int magic, int[] dims) throws IOException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file))) {
            raw.mark(2);
            int b0 = raw.read();
            int b1 = raw.read();
            raw.reset();
            InputStream in = b0 == 0x1f && b1 == 0x8b ? new GZIPInputStream(raw, 1 << 16) : raw;
            DataInputStream data = new DataInputStream(in);
            int m = data.readInt();
            if (m != magic) {
                throw new IOException(file + ": magic number " + m + ", expected " + magic + " (not an IDX "
                        + (magic == IMAGE_MAGIC ? "image" : "label") + " file)");
            }
            long total = 1;
            for (int i = 0; i < dims.length; i++) {
                dims[i] = data.readInt();
                if (dims[i] <= 0 || dims[i] > 10_000_000) {
                    throw new IOException(file + ": implausible dimension " + dims[i]);
                }
                total *= dims[i];
            }
            if (dims.length == 3 && (dims[1] != 28 || dims[2] != 28)) {
                throw new IOException(file + ": images are " + dims[1] + "x" + dims[2] + ", expected 28x28");
            }
            if (total > Integer.MAX_VALUE - 8) {
                throw new IOException(file + ": " + total + " bytes declared, too large");
            }
            byte[] out = new byte[(int) total];
            try {
                data.readFully(out);
            } catch (EOFException e) {
                throw new IOException(file + " is truncated: header declares " + total + " bytes of data", e);
            }
            if (data.read() != -1) {
                throw new IOException(file + " has bytes after the " + total + " its header declares");
            }
            return out;
        }
    }

    public int size() {
        return size;
    }

    public int label(int i) {
        return labels()[i];
    }

    private byte[] labels() {
        if (labels == null) {
            throw new IllegalStateException("this party holds the images only, not the labels");
        }
        return labels;
    }

    private byte[] pixels() {
        if (pixels == null) {
            throw new IllegalStateException("this party holds the labels only, not the images");
        }
        return pixels;
    }

    /**
     * The scaling to mean 0 and standard deviation 1 of the pixels (/ 255) of the first
     * {@code count} images: what the images' owner computes from its own training data.
     */
    public InputScaling fitScaling(int count) {
        byte[] px = pixels();
        long n = (long) Math.min(count, size) * rows * cols;
        long[] histogram = new long[256];
        for (int i = 0; i < n; i++) {
            histogram[px[i] & 0xff]++;
        }
        double sum = 0;
        double squares = 0;
        for (int level = 0; level < 256; level++) {
            double v = level / 255.0;
            sum += histogram[level] * v;
            squares += histogram[level] * v * v;
        }
        return InputScaling.fromMoments(n, sum, squares);
    }

    /** How many images a run uses: the first {@code requested} of {@code available}, 0 meaning all. */
    public static int imagesUsed(int requested, int available) {
        return requested == 0 ? available : Math.min(requested, available);
    }

    /**
     * The training set and the test set from {@code dir}, both scaled by what {@code choose}
     * picks from the training set (the images' owner's choice).
     */
    public static Scaled loadScaled(Path dir, java.util.function.Function<Mnist, InputScaling> choose) throws IOException {
        Mnist train = load(dir, true);
        InputScaling s = choose.apply(train);
        return new Scaled(train.scaled(s), load(dir, false).scaled(s), s);
    }

    /** A training and a test set scaled alike. */
    public record Scaled(Mnist train, Mnist test, InputScaling scaling) {
    }

    /** These images with {@code s} applied by {@link #images}. */
    public Mnist scaled(InputScaling s) {
        return new Mnist(pixels, labels, size, rows, cols, s);
    }

    /** These images with each pixel byte replaced by {@code f} of it: other datasets for experiments. */
    public Mnist mapPixels(java.util.function.IntUnaryOperator f) {
        byte[] px = pixels().clone();
        for (int i = 0; i < px.length; i++) {
            px[i] = (byte) f.applyAsInt(px[i] & 0xff);
        }
        return new Mnist(px, labels, size, rows, cols, scaling);
    }

    /** Images {@code indices}, scaled as {@link #scaled} chose, as (n, 1, 28, 28). */
    public FloatTensor images(int[] indices) {
        byte[] px = pixels();
        if (scaling == null) {
            throw new IllegalStateException("no input scaling chosen for these images (Mnist.scaled)");
        }
        int plane = rows * cols;
        double[] v = new double[indices.length * plane];
        for (int i = 0; i < indices.length; i++) {
            for (int p = 0; p < plane; p++) {
                v[i * plane + p] = scaling.apply((px[indices[i] * plane + p] & 0xff) / 255.0);
            }
        }
        return new FloatTensor(Shape.of(indices.length, 1, rows, cols), v);
    }

    /** One-hot labels of {@code indices}, (n, 10). */
    public FloatTensor oneHot(int[] indices) {
        byte[] lb = labels();
        double[] v = new double[indices.length * 10];
        for (int i = 0; i < indices.length; i++) {
            v[i * 10 + lb[indices[i]]] = 1;
        }
        return new FloatTensor(Shape.of(indices.length, 10), v);
    }
}
